import type { CliIo } from '../cli/io.js';

/** A usage error: the message on stderr, exit status 2. */
export function usageError(io: CliIo, command: string, problem: unknown): number {
  const text = problem instanceof Error ? problem.message : String(problem);
  io.stderr.write(`kmodsim ${command}: ERROR: ${text}\n`);
  return 2;
}
