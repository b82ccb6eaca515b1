import { testIo, type CliMain, type TestClock } from '@kmodsim/cli';

// Runs a tool's real main in-process, as its bin script would, with the test's environment and
// clock: what it printed and the status it exits with.

export interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: TestClock;
  readonly signal?: AbortSignal;
}

export async function runTool(tool: CliMain, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  const io = testIo({ cwd: process.cwd(), ...options });
  const status = await tool(args, io);
  return { status, stdout: io.stdoutText(), stderr: io.stderrText() };
}
