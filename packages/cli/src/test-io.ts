import type { CliIo, Clock } from './io.js';

// The I/O a test runs a tool with: output gathered as text, a clock that starts where the test
// says and moves only when the tool waits on it (a sleep advances it at once), so a test of a
// tool that waits a second takes no second and never depends on how loaded the machine is.

export interface TestClock extends Clock {
  /** Moves the clock on, as time passing between two commands. */
  advanceMs(ms: number): void;
}

export function testClock(startMs = Date.UTC(2026, 0, 1)): TestClock {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    advanceMs: (ms) => {
      nowMs += ms;
    },
    sleepMs: async (ms, signal) => {
      // Yield to the event loop, so other work of the test (a release, a Ctrl-C) can run meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted === true) return false;
      nowMs += ms;
      return true;
    },
  };
}

export interface TestIo extends CliIo {
  readonly clock: TestClock;
  /** Everything written to stdout and stderr so far. */
  stdoutText(): string;
  stderrText(): string;
}

export function testIo(options: { env?: Readonly<Record<string, string | undefined>>; cwd?: string; clock?: TestClock; signal?: AbortSignal } = {}): TestIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: options.env ?? {},
    cwd: options.cwd ?? '/',
    clock: options.clock ?? testClock(),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}
