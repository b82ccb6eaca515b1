import type { Failure } from '@kmodsim/cpu';

// The linker answers in cpu's one vocabulary (`ok`, `fail`, `Result`): a refusal carries the
// errno the kernel would return and what is wrong in words a user can act on, and names the file.

/** The error numbers the linker and depmod can return. */
export type LinkerErrno = 'ENOEXEC' | 'ENOENT' | 'EINVAL' | 'ENOMEM' | 'EIO' | 'EEXIST';

export interface LinkerFailure extends Failure<LinkerErrno> {
  /** The file (or image name) the failure is about. */
  readonly file: string;
}
