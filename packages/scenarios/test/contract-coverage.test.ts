import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { explore } from '@kmodsim/explore';
import { percpuSplitCounters } from '@kmodsim/refcount';
import { KNOWN_GAPS, catalogue, cellKey, coverageTable, reachableCells, recordingStrategy, suite, type ContractCell } from '../src/index.js';

// The contract table is made from what each scenario declares it exercises. Here each
// declaration is checked against what the scenario really does: its search, with the strategy
// watched, must reach every cell it names. And every cell a sound design can meet has a scenario.

/** The cells a scenario's search reaches, searching further only while a declared one is missing. */
function observedCells(entry: (typeof suite)[number]): Set<string> {
  const seen = new Set<string>();
  const watched = recordingStrategy(percpuSplitCounters, (observation) => {
    if (observation.module === 'demo_chardev') seen.add(cellKey(observation));
  });
  for (const maxExecutions of [1_500, 25_000]) {
    explore({ scenario: entry.build(watched), cpuCount: entry.cpuCount }, { ...entry.bounds, maxExecutions, stopAtFirstViolation: false });
    if (entry.exercises.every((declared) => seen.has(cellKey(declared)))) break;
  }
  return seen;
}

describe('each scenario reaches the contract cells it declares', () => {
  test.each(suite.filter((entry) => entry.exercises.length > 0).map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const seen = observedCells(entry);
    for (const declared of entry.exercises) expect([...seen], `${entry.name} never reached ${cellKey(declared)}`).toContain(cellKey(declared));
  }, 60_000);
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
