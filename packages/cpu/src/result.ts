import type { Errno } from './errno.js';

// Expected failures are values, as the kernel returns -errno: callers must look at them. Every
// package answers in this one shape: `{ ok: true, value }`, or `{ ok: false, errno, message }`
// with whatever else the failure needs a caller to know (the file, the field, the kernel's log)
// beside them. Broken invariants throw instead; only the CLIs turn a failure into text.

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Failure<E extends Errno = Errno> {
  readonly ok: false;
  readonly errno: E;
  /** What is wrong, in words a user can act on (the kernel's or kmod's where they have some). */
  readonly message: string;
}

export type Result<T, F extends Failure = Failure> = Ok<T> | F;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

/** The success of a call that returns only 0, as most system calls do. */
export const done: Ok<undefined> = ok(undefined);

/** A failure; `detail` adds the fields a caller needs beside errno and message. */
export function fail<E extends Errno>(errno: E, message: string): Failure<E>;
export function fail<E extends Errno, D extends object>(errno: E, message: string, detail: D): Failure<E> & D;
export function fail(errno: Errno, message: string, detail: object = {}): Failure {
  return { ...detail, ok: false, errno, message };
}

/** A bad argument from the caller: which one, and what is wrong with it. */
export interface ConfigError extends Failure<'EINVAL'> {
  readonly field: string;
}

export const configError = (field: string, message: string): ConfigError =>
  fail('EINVAL', message, { field });
