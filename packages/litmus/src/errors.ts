import type { SourcePosition } from './ast.js';

/**
 * Why a litmus file cannot be run, and where: a syntax error (with the token that was expected),
 * a primitive this runner does not model (named, with the ones it does), or a name that is not
 * declared. Errors are values; nothing here throws at a user's file.
 */
export interface LitmusError extends SourcePosition {
  readonly kind: 'syntax' | 'unsupported' | 'undeclared';
  readonly message: string;
}

export type LitmusResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: LitmusError };

export function litmusError(kind: LitmusError['kind'], at: SourcePosition, message: string): { readonly ok: false; readonly error: LitmusError } {
  return { ok: false, error: { kind, line: at.line, column: at.column, message } };
}

/** `FILE:LINE:COLUMN: message`, the way compilers print errors, for a command line. */
export function formatLitmusError(error: LitmusError, file = '<litmus>'): string {
  return `${file}:${error.line}:${error.column}: ${error.message}`;
}

/** Thrown inside the parser and caught at its door, so that deep recursion need not thread results. */
export class ParseFailure extends Error {
  constructor(readonly error: LitmusError) {
    super(error.message);
  }
}
