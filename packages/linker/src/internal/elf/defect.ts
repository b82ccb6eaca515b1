// A malformed object is an expected failure, but it is found deep inside the readers, at the
// point where an offset or a size does not fit. Those readers throw this one class; the public
// entry points catch it and turn it into a LinkerFailure value. Nothing else is caught there, so
// a broken invariant still throws.

export class ElfDefect extends Error {
  override readonly name = 'ElfDefect';
}

export function defect(message: string): never {
  throw new ElfDefect(message);
}
