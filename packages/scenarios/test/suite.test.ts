import { describe, expect, test } from 'vitest';
import { explore, replay } from '@kmodsim/explore';
import { flawedStrategies, soundStrategies, strategies } from '@kmodsim/refcount';
import { findSuiteScenario, scenarioMismatch } from '../src/index.js';
import { SEED, strategy } from './seed-suite.js';

// 2.6.35's split counters pass where the seed fails. Each known-bad variant is caught where it
// says it is, with a schedule that replays. (The seed against the whole suite is in
// suite-interrupts.test.ts and suite-tasks.test.ts.)

describe('the seed\'s known bug', () => {
  // The search is one of the suite's longest, so it runs as two shards, a test each.
  test.each([1, 2])('2.6.35\'s split counters pass the scenario where the seed loses a reference (shard %i of 2)', (number) => {
    const entry = findSuiteScenario('module-get-during-wait');
    if (entry === undefined) expect.fail('no module-get-during-wait');
    const shard = { index: number - 1, count: 2 };
    const report = explore({ scenario: entry.build(strategy('percpu-split-counters')), cpuCount: entry.cpuCount }, { ...entry.bounds, iterative: false, shard });
    expect(report.violations).toEqual([]);
    expect(report.counts.exhausted).toBe(true);
  });
});

const declaredBugs = flawedStrategies().flatMap((design) => (design.knownViolations ?? []).map((known) => [design.name, known.scenario, known.kinds, known.memory ?? 'sc'] as const));

describe('the known-bad variants are caught where they declare, with a schedule that replays the fault', () => {
  test.each(declaredBugs)('%s by %s (%j) under %s', (name, scenarioName, kinds, memoryModel) => {
    const entry = findSuiteScenario(scenarioName);
    if (entry === undefined) expect.fail(`no scenario ${scenarioName}`);
    const target = { scenario: entry.build(strategy(name)), cpuCount: entry.cpuCount, memoryModel };
    const report = explore(target, { ...entry.bounds, maxExecutions: 200_000 });
    const first = report.violations[0];
    if (first === undefined) expect.fail(`${name} passed ${scenarioName} (${report.counts.executions} executions)`);
    expect(kinds).toContain(first.kind);
    const replayed = replay(target, first.schedule);
    if (!replayed.ok) expect.fail(replayed.message);
    expect(replayed.value.reproduced).toBe(true);
    expect(replayed.value.fault?.message).toBe(first.message);
  });

  // A missing barrier is invisible to a sequentially consistent machine: there the same pair is clean.
  test.each(declaredBugs.filter(([, , , memoryModel]) => memoryModel === 'tso'))('%s passes %s under sc', (name, scenarioName) => {
    const entry = findSuiteScenario(scenarioName);
    if (entry === undefined) expect.fail(`no scenario ${scenarioName}`);
    const report = explore({ scenario: entry.build(strategy(name)), cpuCount: entry.cpuCount }, { ...entry.bounds, sleepSets: true });
    expect(report.violations).toEqual([]);
    expect(report.counts.exhausted).toBe(true);
  });

  test('the IRQ-safe local_t of the seed passes the scenario that catches the tearable one', () => {
    const entry = findSuiteScenario('irq-get-worker-put');
    if (entry === undefined) expect.fail('no irq-get-worker-put');
    for (const arch of ['native', 'atomic'] as const) {
      const report = explore({ scenario: entry.build(strategy(SEED), arch), cpuCount: entry.cpuCount }, { ...entry.bounds, iterative: false });
      expect(report.violations, arch).toEqual([]);
      expect(report.counts.exhausted).toBe(true);
    }
  });
});

describe('a forced unload of a module in use oopses under every sound design, found by the search', () => {
  // Forcing is the one way past any design's protection: each must show the oops at the
  // scenario's documented bounds (percpu-ref's two grace periods once hid it behind the bound).
  test.each(soundStrategies().map((design) => [design.name, design] as const))('%s', (_name, design) => {
    const entry = findSuiteScenario('forced-unload-in-use');
    if (entry === undefined || entry.expected === 'clean') expect.fail('no forced-unload-in-use scenario with an expected fault');
    const target = { scenario: entry.build(design), cpuCount: entry.cpuCount };
    const first = explore(target, { ...entry.bounds, maxExecutions: 200_000 }).violations[0];
    if (first === undefined) expect.fail(`no oops shown for ${design.name}`);
    expect(entry.expected).toContain(first.kind);
    const replayed = replay(target, first.schedule);
    if (!replayed.ok) expect.fail(replayed.message);
    expect(replayed.value.fault?.kind).toBe(first.kind);
  });
});

describe('the reduction finds what the unreduced search finds, for every design', () => {
  // The dependencies the reduction trusts (task states, run queues, cells) must be all there
  // is: a hidden one (state kept outside simulated memory) would make it skip an outcome.
  const pairs = Object.values(strategies).flatMap((design) => ['unload-vs-get', 'wait-vs-last-put'].map((name) => [design.name, name] as const));
  test.each(pairs)('%s in %s, at 1 preemption', (designName, scenarioName) => {
    const entry = findSuiteScenario(scenarioName);
    if (entry === undefined) expect.fail(`no scenario ${scenarioName}`);
    const design = strategy(designName);
    if (scenarioMismatch(entry, design) !== undefined) return;
    const target = { scenario: entry.build(design), cpuCount: entry.cpuCount };
    const options = { preemptions: 1, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
    const reduced = explore(target, options);
    const full = explore(target, { ...options, reduction: false });
    const found = (report: typeof full): string[] => [...new Set(report.violations.map((violation) => `${violation.kind}: ${violation.message}`))].sort();
    expect(reduced.counts.exhausted && full.counts.exhausted).toBe(true);
    expect(reduced.counts.distinctOutcomes).toBe(full.counts.distinctOutcomes);
    expect(found(reduced)).toEqual(found(full));
    expect(reduced.counts.executions).toBeLessThan(full.counts.executions);
  });
});
