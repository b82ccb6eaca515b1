import type { Failure } from '@kmodsim/cpu';
import type { CliIo } from '@kmodsim/cli';

/** A machine that cannot be used, or a command it refused: the reason, in the tool's voice; exit status 1 (2 for a usage error, an empty -M). */
export function reportStoreError(io: CliIo, program: string, failure: Failure & { readonly notice?: string; readonly kind?: string }): number {
  // A refusal seen on a machine rebuilt from its journal says why, as a command that went through does.
  reportNotice(io, program, failure.notice);
  io.stderr.write(`${program}: ERROR: ${failure.message}\n`);
  return failure.kind === 'usage' ? 2 : 1;
}

/** The machine could not be loaded from its saved state and was rebuilt from the journal: one line saying why. */
export function reportNotice(io: CliIo, program: string, notice: string | undefined): void {
  if (notice !== undefined) io.stderr.write(`${program}: WARNING: ${notice}\n`);
}

/** The snapshot was damaged: say so, since it was rebuilt rather than trusted. */
export function reportRebuilt(io: CliIo, program: string, dir: string, why: string | undefined): void {
  if (why !== undefined) io.stderr.write(`${program}: WARNING: ${dir}/snapshot.json was damaged (${why}); rebuilt it from the journal\n`);
}
