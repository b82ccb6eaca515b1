import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { explore } from '@kmodsim/explore';
import { percpuSplitCounters } from '@kmodsim/refcount';
import { KNOWN_GAPS, catalogue, cellKey, coverageTable, reachableCells, recordingStrategy, suite, type ContractCell } from '../src/index.js';

// The contract table is made from what each scenario declares it exercises. Here each
// declaration is checked against what the scenario really does: its search, with the strategy
// watched, must reach every cell it names. And every cell a sound design can meet has a scenario.

/** Thrown from the search's progress report once every declared cell has been seen, to end it there. */
class AllCellsSeen extends Error {}

/**
 * The cells a scenario's searches reach, searching only while a declared one is missing: a
 * thousand random executions at the scenario's bounds, which reach most cells, then the
 * exhaustive search, which reaches the rest and stops at its first progress report (every
 * thousand executions) after the last one is seen.
 */
function observedCells(entry: (typeof suite)[number]): Set<string> {
  const seen = new Set<string>();
  const watched = recordingStrategy(percpuSplitCounters, (observation) => {
    if (observation.module === 'demo_chardev') seen.add(cellKey(observation));
  });
  const allSeen = (): boolean => entry.exercises.every((declared) => seen.has(cellKey(declared)));
  const target = { scenario: entry.build(watched), cpuCount: entry.cpuCount };
  explore(target, { ...entry.bounds, mode: 'random', seed: 1, executions: 1_000, stopAtFirstViolation: false });
  if (allSeen()) return seen;
  try {
    explore(target, {
      ...entry.bounds, maxExecutions: 25_000, iterative: false, stopAtFirstViolation: false,
      onProgress: () => { if (allSeen()) throw new AllCellsSeen(); },
    });
  } catch (error) {
    if (!(error instanceof AllCellsSeen)) throw error;
  }
  return seen;
}

describe('each scenario reaches the contract cells it declares', () => {
  test.each(suite.filter((entry) => entry.exercises.length > 0).map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const seen = observedCells(entry);
    for (const declared of entry.exercises) expect([...seen], `${entry.name} never reached ${cellKey(declared)}`).toContain(cellKey(declared));
  });
});

describe('the contract table', () => {
  test('every cell a sound design can meet is covered by a checked scenario, or written down as a known gap', () => {
    const covered = new Set(suite.flatMap((entry) => entry.exercises.map(cellKey)));
    const missing = reachableCells().filter((entry: ContractCell) => !covered.has(cellKey(entry))).map(cellKey);
    expect(missing.sort()).toEqual([...KNOWN_GAPS].sort());
  });

  test('the README shows the table the catalogue makes (pnpm --filter @kmodsim/scenarios coverage-table writes it)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(coverageTable(catalogue));
  });
});
