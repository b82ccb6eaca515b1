// Expected failures are values, as the kernel returns -errno: a refusal names the file, the
// errno the kernel would return, and what is wrong in words a user can act on.

/** The error numbers the linker and depmod can return. */
export type LinkerErrno = 'ENOEXEC' | 'ENOENT' | 'EINVAL' | 'ENOMEM' | 'EIO' | 'EEXIST';

export interface LinkerFailure {
  readonly ok: false;
  readonly errno: LinkerErrno;
  /** The file (or image name) the failure is about. */
  readonly file: string;
  /** The defect, in the kernel's or kmod's words where they have some. */
  readonly message: string;
}

export type LinkerResult<T> = { readonly ok: true; readonly value: T } | LinkerFailure;

export const success = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const failure = (errno: LinkerErrno, file: string, message: string): LinkerFailure => ({
  ok: false,
  errno,
  file,
  message,
});
