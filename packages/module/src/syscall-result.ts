import { fail, type Errno, type Failure, type Result } from '@kmodsim/cpu';

// A system call answers in cpu's one vocabulary: `done`, or the errno the kernel returned and
// why (`message`).

/**
 * A failed system call. `reason` repeats `message`, kept only while packages/machine's command
 * tasks still read it; with it goes this type, and the module core answers in plain `Failure`.
 */
export interface SyscallFailure extends Failure {
  readonly reason: string;
}

export type SyscallResult = Result<undefined, SyscallFailure>;

/** cpu's `fail`, with the transitional `reason` beside the message. */
export const syscallFailure = (errno: Errno, message: string): SyscallFailure => fail(errno, message, { reason: message });
