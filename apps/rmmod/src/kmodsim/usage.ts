import type { CliIo } from '../cli/io.js';

/** A usage error: the message on stderr, exit status 2. */
export function usageError(io: CliIo, command: string, problem: unknown): number {
  const text = problem instanceof Error ? problem.message : String(problem);
  io.stderr.write(`kmodsim ${command}: ERROR: ${text}\n`);
  return 2;
}

/** -h or --help anywhere before `--`: the command prints its usage and exits 0, whatever else is there. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}
