// Every tool's entry point takes its streams, environment, working directory and clock as
// arguments, so tests run the real command in-process, at times they choose, and nothing reads
// process globals behind the tool's back. The bin scripts pass the process's own (processIo).

export interface TextSink {
  write(text: string): unknown;
}

/** Wall time, and waiting on it: the system's in a process, a test's own in a test. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Resolves true after ms, or false as soon as the signal aborts (the user pressed Ctrl-C). */
  sleepMs(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths on the command line are resolved from. */
  readonly cwd: string;
  readonly clock: Clock;
  /** Aborted when the user interrupts (Ctrl-C): a tool that waits stops waiting. */
  readonly signal?: AbortSignal;
}

/** A tool's entry point: arguments without the program name; resolves to the exit status. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>;

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleepMs: (ms, signal) => {
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** The process's own streams, environment, directory and the system clock, for a bin script. */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), clock: systemClock, ...(signal === undefined ? {} : { signal }) };
}

/**
 * For a bin script: a reader that stops early (`| head`) closes the pipe, and that ends the
 * output; it is no error. The process exits at once with the status set so far (0 if none)
 * instead of dying of Node's unhandled 'error' event with a stack trace. Any other error on the
 * streams is thrown as before.
 */
export function endOnClosedPipe(streams: readonly NodeJS.EventEmitter[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit();
    });
  }
}
