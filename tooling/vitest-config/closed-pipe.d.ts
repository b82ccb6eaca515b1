/** How a process whose stdout pipe was closed early ended. */
export interface Ended {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Bytes read from stdout before the pipe was closed. */
  readonly read: number;
}

/** Runs `node script ...args` with its stdout closed before it writes (`before`) or after the first chunk read (`first-chunk`). */
export function closeEarly(script: string, args: readonly string[], when: 'first-chunk' | 'before'): Promise<Ended>;
