import type { Errno } from '@kmodsim/cpu';

export { ERRNO, errnoFromNumber, errnoNumber, strerror, type Errno } from '@kmodsim/cpu';

export interface SyscallFailure {
  readonly ok: false;
  readonly errno: Errno;
  readonly reason: string;
}

/** A system call's result: success, or the errno the kernel returned and why. */
export type SyscallResult = { readonly ok: true } | SyscallFailure;

export const success: SyscallResult = { ok: true };

export function failure(errno: Errno, reason: string): SyscallFailure {
  return { ok: false, errno, reason };
}
