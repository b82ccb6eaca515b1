import type { Holder } from './command-tasks.js';
import type { CommandOutcome } from './outcomes.js';

// The session's own bookkeeping in machine.state, as plain data: who holds what, what each task
// is doing (for ps), the taint each oops reported, and what every command did. Read back from a
// file whose checksum held, so the checks here only make sure nothing else was written there.

export interface SessionData {
  readonly holders: readonly (readonly [number, Holder])[];
  readonly notes: readonly (readonly [number, string])[];
  readonly oopsTaints: readonly string[];
  readonly outcomes: readonly (readonly [number, CommandOutcome])[];
}

const isPair = (first: (value: unknown) => boolean, second: (value: unknown) => boolean) => (value: unknown): boolean =>
  Array.isArray(value) && value.length === 2 && first(value[0]) && second(value[1]);
const isCount = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 0;
const isString = (value: unknown): boolean => typeof value === 'string';
const isObjectWith = (field: string) => (value: unknown): boolean => typeof value === 'object' && value !== null && field in value;
const listOf = (check: (value: unknown) => boolean) => (value: unknown): boolean => Array.isArray(value) && value.every(check);

/** The session data written as saveState wrote it, or undefined for anything else. */
export function sessionDataOf(value: unknown): SessionData | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const data = value as Record<string, unknown>;
  const laidOut = listOf(isPair(isCount, isObjectWith('module')))(data.holders)
    && listOf(isPair(isCount, isString))(data.notes)
    && listOf(isString)(data.oopsTaints)
    && listOf(isPair(isCount, isObjectWith('kind')))(data.outcomes);
  return laidOut ? (data as unknown as SessionData) : undefined;
}
