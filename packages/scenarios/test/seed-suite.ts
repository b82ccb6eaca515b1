import { expect } from 'vitest';
import { explore, replay } from '@kmodsim/explore';
import { findStrategy, type RefcountStrategy } from '@kmodsim/refcount';
import { expectationOf, suite, type SuiteScenario } from '../src/index.js';

// The seed's design must give, on every scenario of the suite, exhaustively at each scenario's
// documented bounds, what it declares: clean, the scenario's own oops, or its one known bug
// (2.6.35's race), with a schedule that replays it. The suite is checked in two files, the
// scenarios where interrupts arrive and those of tasks alone, so that vitest runs them at once.

export const SEED = 'percpu-stop-machine';

export function strategy(name: string): RefcountStrategy {
  const found = findStrategy(name);
  if (found === undefined) throw new Error(`no strategy ${name}`);
  return found;
}

/**
 * Clean searches split in shards, a test each, so that no test takes much longer than the others:
 * migrate-put's is the longest of the suite (some 37,000 executions). Shards repeat a little of
 * each other's work (two search 45,000), so only the longest is split.
 */
const SHARDS: Readonly<Record<string, number>> = { 'migrate-put': 2 };

type Shard = { readonly index: number; readonly count: number };
type SeedTest = [name: string, entry: SuiteScenario, shard: Shard | undefined];

/** The tests of one file: a scenario's name and its shard, when its search is split. */
export function seedTests(entries: readonly SuiteScenario[]): SeedTest[] {
  const unknown = Object.keys(SHARDS).filter((name) => !suite.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new Error(`SHARDS names no scenario of the suite: ${unknown.join(', ')}`);
  return entries.flatMap((entry): SeedTest[] => {
    const count = SHARDS[entry.name];
    if (count === undefined) return [[entry.name, entry, undefined]];
    return Array.from({ length: count }, (_, index): SeedTest => [`${entry.name} (shard ${index + 1} of ${count})`, entry, { index, count }]);
  });
}

/** Searches one scenario (or a shard of its search) under the seed at its documented bounds and checks the verdict is the declared one. */
export function checkSeedOn(entry: SuiteScenario, shard?: Shard): void {
  const seed = strategy(SEED);
  const target = { scenario: entry.build(seed), cpuCount: entry.cpuCount };
  const expectation = expectationOf(seed, entry);
  if (expectation.kind === 'clean') {
    // A clean verdict is the search at the documented bound itself: the passes at lower bounds
    // that an iterative search makes first would only search a part of it again.
    const report = explore(target, { ...entry.bounds, maxExecutions: 1_000_000, iterative: false, ...(shard === undefined ? {} : { shard }) });
    const first = report.violations[0];
    expect(first, `${first?.kind ?? ''}: ${first?.message ?? ''} (replay: ${first?.schedule ?? ''})`).toBeUndefined();
    expect(report.counts.exhausted).toBe(true);
    expect(report.counts.completed).toBeGreaterThan(1);
    return;
  }
  if (shard !== undefined) throw new Error(`${entry.name}: only a clean search is split in shards`);
  const report = explore(target, { ...entry.bounds, maxExecutions: 1_000_000 });
  const first = report.violations[0];
  if (first === undefined) expect.fail(`the search did not show ${expectation.kinds.join(' or ')}`);
  expect(expectation.kinds).toContain(first.kind);
  const replayed = replay(target, first.schedule);
  if (!replayed.ok) expect.fail(replayed.message);
  expect(replayed.value.reproduced).toBe(true);
  expect(replayed.value.fault?.message).toBe(first.message);
}
