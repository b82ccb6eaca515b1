// Expected failures are values, as the kernel returns -errno: callers must look at them.

export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
export const err = <E>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error });

/** A bad argument from the caller: which one, and what is wrong with it. */
export interface ConfigError {
  readonly code: 'EINVAL';
  readonly field: string;
  readonly message: string;
}

export const configError = (field: string, message: string): ConfigError => ({ code: 'EINVAL', field, message });
