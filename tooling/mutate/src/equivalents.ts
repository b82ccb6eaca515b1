import { readFileSync } from 'node:fs';
import type { Mutant } from './mutant.js';

// equivalent.json: the mutants no scenario could kill, each with why. A mutant's id is its file,
// line, column and operator, so an edit above it moves it to another id, and a record left
// behind can land on another mutant at its old place (a swap of two stores becomes a swap of a
// test with a store, which the suite kills). So each record also names the mutant it was written
// for, as the campaign describes it, and holds only while that mutant is still the one there.

/** Why a mutant cannot change behaviour, and the mutant it was written for (its description). */
export interface EquivalenceRecord {
  readonly mutant: string;
  readonly reason: string;
}

/** Mutant id to its equivalence record. */
export type Equivalents = Readonly<Record<string, EquivalenceRecord>>;

/** The record for `mutant`, or undefined when there is none or it was written for another mutant now at its id. */
export function equivalenceOf(equivalents: Equivalents, mutant: Pick<Mutant, 'id' | 'description'>): EquivalenceRecord | undefined {
  const record = Object.hasOwn(equivalents, mutant.id) ? equivalents[mutant.id] : undefined;
  return record?.mutant === mutant.description ? record : undefined;
}

export function readEquivalents(file: string): Equivalents {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected an object of mutant id to { mutant, reason }`);
  for (const [id, record] of Object.entries(parsed)) {
    const { mutant, reason } = (record ?? {}) as Record<string, unknown>;
    if (typeof mutant !== 'string' || typeof reason !== 'string') throw new Error(`${file}: ${id}: expected { "mutant": the mutant's description, "reason": why it cannot change behaviour }`);
  }
  return parsed as Equivalents;
}
