export interface TextSink {
  write(text: string): unknown;
}

/** The streams and environment a command runs with; passed in, never read from globals. */
export interface CompareIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths (a strategy file) are resolved from. */
  readonly cwd: string;
  /** Whether stderr is a terminal (progress is shown there only then). */
  readonly isTty?: boolean;
  /** Milliseconds from some fixed point, for the wall time the summary reports; none, no time shown. */
  readonly now?: () => number;
  /** The terminal's width in characters, when stdout is one: a counterexample's columns fill it. */
  readonly columns?: number | undefined;
}

/** A usage error: the message on stderr, exit status 2. */
export class UsageError extends Error {}
