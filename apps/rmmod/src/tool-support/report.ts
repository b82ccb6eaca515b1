import { describeStoreError, type StoreError } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';

/** A machine that cannot be used: the reason, in the tool's voice; exit status 1. */
export function reportStoreError(io: CliIo, program: string, error: StoreError): number {
  io.stderr.write(`${program}: ERROR: ${describeStoreError(error)}\n`);
  return 1;
}

/** The snapshot was damaged: say so, since it was rebuilt rather than trusted. */
export function reportRebuilt(io: CliIo, program: string, dir: string, why: string | undefined): void {
  if (why !== undefined) io.stderr.write(`${program}: WARNING: ${dir}/snapshot.json was damaged (${why}); rebuilt it from the journal\n`);
}
