// A malformed object is an expected failure, but it is found deep inside the readers, at the
// point where an offset or a size does not fit. Those readers throw this one class; the public
// entry points catch it and turn it into a LinkerFailure value with its errno: ENOEXEC for a
// malformed object, ENOMEM for one past a limit (src/internal/limits.ts). Nothing else is caught
// there, so a broken invariant still throws.

export class ElfDefect extends Error {
  override readonly name = 'ElfDefect';

  constructor(
    message: string,
    readonly errno: 'ENOEXEC' | 'ENOMEM' = 'ENOEXEC',
  ) {
    super(message);
  }
}

export function defect(message: string): never {
  throw new ElfDefect(message);
}

/** A module past one of the linker's limits: ENOMEM, as the kernel's allocation would fail. */
export function overLimit(message: string): never {
  throw new ElfDefect(message, 'ENOMEM');
}
