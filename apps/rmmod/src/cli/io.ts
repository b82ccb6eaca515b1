// Every tool's entry point takes its streams and environment as arguments, so tests can run
// the real command in-process or spawn it, and nothing reads process globals behind its back.

export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted when the user interrupts (Ctrl-C): a tool that waits stops waiting. */
  readonly signal?: AbortSignal;
}

/** A tool's entry point: arguments without the program name; resolves to the exit status. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>;
