import { findStrategy, strategyNames } from '@kmodsim/refcount';
import { scenarioMismatch, suite } from '@kmodsim/scenarios';
import { describe, expect, test } from 'vitest';
import { estimatedMs, longestFirst } from '../src/check/dispatch-order.js';
import { MEASURED_COSTS } from '../src/check/measured-costs.js';

// check --workers sends the pairs to its threads longest first, by what each took when last
// measured (src/check/measured-costs.ts). The figures must cover every pair check searches: one
// without a figure would be sent by a guess, and a figure of a pair gone would hide that the
// table is of another suite. When this fails, measure them again as bench/pair-costs.ts says.

const EXHAUSTIVE = { mode: 'exhaustive', executions: 1000, maxExecutions: 1_000_000 } as const;
const FIGURES: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>> = MEASURED_COSTS.pairs;
const REMEASURE = 'measure the figures again: see bench/pair-costs.ts';

/** Every built-in pair check searches (not the N/A ones), in the table's order. */
function builtInPairs(): { spec: string; scenario: { name: string } }[] {
  return strategyNames().flatMap((spec) => suite.flatMap((scenario) => {
    const strategy = findStrategy(spec);
    return strategy !== undefined && scenarioMismatch(scenario, strategy) === undefined ? [{ spec, scenario: { name: scenario.name } }] : [];
  }));
}

describe('the order check --workers searches the pairs in', () => {
  test('every built-in pair check searches has a measured figure, and every figure is of such a pair', () => {
    const searched = builtInPairs().map((pair) => `${pair.spec} on ${pair.scenario.name}`).sort();
    const measured = Object.entries(FIGURES).flatMap(([scenario, figures]) => Object.keys(figures).map((strategy) => `${strategy} on ${scenario}`)).sort();
    expect(measured, REMEASURE).toEqual(searched);
  });

  test('the built-in matrix goes longest first: the pair measured longest first, the shortest last, ties in the table\'s order', () => {
    const pairs = builtInPairs();
    const order = longestFirst(pairs, EXHAUSTIVE);
    const times = order.map((key) => FIGURES[pairs[key]?.scenario.name ?? '']?.[pairs[key]?.spec ?? '']?.[0] ?? -1);
    expect(times[0]).toBe(Math.max(...times));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(order).size).toBe(pairs.length);
    order.forEach((key, at) => {
      const next = order[at + 1];
      if (next !== undefined && times[at] === times[at + 1]) expect(next).toBeGreaterThan(key);
    });
  });

  test("a strategy file's pair counts as the median of its scenario's, between that scenario's longest and shortest", () => {
    const [scenario, figures] = Object.entries(FIGURES).sort(([, a], [, b]) => Object.keys(b).length - Object.keys(a).length)[0] ?? ['', {}];
    const times = Object.values(figures).map(([ms]) => ms).sort((a, b) => a - b);
    const file = estimatedMs({ spec: './my-strategy.mjs', scenario: { name: scenario } }, EXHAUSTIVE);
    expect(file).toBe(times[Math.floor(times.length / 2)]);
  });

  test('a random or pct search is its executions at the measured time per execution; an exhaustive one at most its cap\'s share', () => {
    const [ms, executions] = FIGURES['unload-vs-get']?.['percpu-stop-machine'] ?? [0, 0];
    const pair = { spec: 'percpu-stop-machine', scenario: { name: 'unload-vs-get' } };
    expect(estimatedMs(pair, EXHAUSTIVE)).toBe(ms);
    expect(estimatedMs(pair, { ...EXHAUSTIVE, mode: 'random', executions: 500 })).toBeCloseTo((ms / executions) * 500);
    expect(estimatedMs(pair, { ...EXHAUSTIVE, maxExecutions: Math.floor(executions / 2) })).toBeCloseTo((ms / executions) * Math.floor(executions / 2));
  });
});
