import type { CliIo } from './io.js';

// How a tool says it cannot read its command line. An option getopt does not know gets glibc's
// own line and, as GNU tools do, a pointer to the help rather than the whole of it; any other
// mistake is one line in kmod's manner. Both exit 2, the usage status of kmodsim's own tools
// (kmod's tools exit 1, and say so themselves).

export const USAGE_STATUS = 2;

/** getopt's complaint (it names the program), then the hint to ask for help. */
export function reportOptionError(io: Pick<CliIo, 'stderr'>, program: string, getoptMessage: string): number {
  io.stderr.write(`${getoptMessage}Try '${program} --help' for more information.\n`);
  return USAGE_STATUS;
}

/** `PROGRAM: ERROR: what is wrong`. */
export function reportUsageError(io: Pick<CliIo, 'stderr'>, program: string, problem: unknown): number {
  const text = problem instanceof Error ? problem.message : String(problem);
  io.stderr.write(`${program}: ERROR: ${text}\n`);
  return USAGE_STATUS;
}

/** -h or --help anywhere before `--`: the command prints its usage and exits 0, whatever else is there. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}
