// The error numbers the module system returns, with the C library's text for each, so tools
// can print `strerror(errno)` exactly as kmod does.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  ENOEXEC: 8,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  EBADMSG: 74,
  ESRCH: 3,
  EKEYREJECTED: 129,
} as const;

export type Errno = keyof typeof ERRNO;

const STRERROR: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  ENOEXEC: 'Exec format error',
  EWOULDBLOCK: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  ERANGE: 'Numerical result out of range',
  EBADMSG: 'Bad message',
  EKEYREJECTED: 'Key was rejected by service',
};

export function strerror(errno: Errno): string {
  return STRERROR[errno];
}

export function errnoNumber(errno: Errno): number {
  return ERRNO[errno];
}

/** Looks up an errno by its (positive) number, as an init function's `return -ENODEV` gives it. */
export function errnoFromNumber(value: number): Errno | undefined {
  const found = Object.entries(ERRNO).find(([, number]) => number === value);
  return found === undefined ? undefined : (found[0] as Errno);
}

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
