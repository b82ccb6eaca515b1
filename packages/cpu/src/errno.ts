// The error numbers every package returns, with the C library's text for each, so a front end
// can print `strerror(errno)` exactly as kmod does. One table for the whole project: the linker's
// refusals, the module core's system calls and a bad machine configuration all answer in it, and
// so do the front ends' file errors (EACCES and the rest), which Node names by the same codes.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENOEXEC: 8,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ELOOP: 40,
  ENODATA: 61,
  ENOPKG: 65,
  EBADMSG: 74,
  ENOKEY: 126,
  EKEYREJECTED: 129,
} as const;

export type Errno = keyof typeof ERRNO;

const STRERROR: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENOEXEC: 'Exec format error',
  EWOULDBLOCK: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  ENODATA: 'No data available',
  ENOPKG: 'Package not installed',
  EBADMSG: 'Bad message',
  ENOKEY: 'Required key not available',
  EKEYREJECTED: 'Key was rejected by service',
};

/** Whether `code` is an errno of the table: Node's `error.code` for a failed file call, say. */
export function isErrno(code: string): code is Errno {
  return Object.hasOwn(ERRNO, code);
}

/** glibc's text for an errno. */
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
