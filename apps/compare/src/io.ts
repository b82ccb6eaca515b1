import type { CliIo, OptionSpec } from '@kmodsim/cli';

/**
 * The streams, environment and directory a command runs with (every tool's, from @kmodsim/cli;
 * cwd is where a strategy file's relative path is resolved from), and what check shows on a
 * terminal; passed in, never read from globals.
 */
export interface CompareIo extends Pick<CliIo, 'stdout' | 'stderr' | 'env' | 'cwd'> {
  /** Whether stderr is a terminal (progress is shown there only then). */
  readonly isTty?: boolean;
  /** Milliseconds from some fixed point, for the wall time the summary reports; none, no time shown. */
  readonly now?: () => number;
  /** The terminal's width in characters, when stdout is one: a counterexample's columns fill it. */
  readonly columns?: number | undefined;
  /** The terminal's width when stderr is one: the progress line is clipped to it, so it never wraps (a wrapped line cannot be cleared). */
  readonly stderrColumns?: number | undefined;
  /** The script this process was started with (process.argv[1]): the replay commands check prints start the program the same way. */
  readonly script?: string | undefined;
}

/** A usage error: the message on stderr, exit status 2. */
export class UsageError extends Error {}

/** The options of merge and scenarios, which print JSON on request. */
export const JSON_AND_HELP: readonly OptionSpec[] = [{ long: 'json', takesArgument: false }, { short: 'h', long: 'help', takesArgument: false }];

/** A command line getopt could not read: its message is getopt's own line, which names the program. */
export class OptionError extends UsageError {}
