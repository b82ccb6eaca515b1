import type { MemoryModelName } from '@kmodsim/cpu';
import { explore, type ExploreOptions, type ExploreReport, type ExploreTarget, type Subtree } from '@kmodsim/explore';
import { expect } from 'vitest';
import { programScenario, randomPlan } from '../../cpu/test/random-programs.js';

// What the differential tests share: a report's endings (each random program's check reports its
// final state, so every execution is a "violation" whose message names how it ended), and a
// search split into parts as eagerly as work stealing can split it.

export function endings(report: ExploreReport): string[] {
  return [...new Set(report.violations.map((violation) => `${violation.kind}: ${violation.message}`))].sort();
}

/** A search whose every part gives a subtree away at every `every`-th execution; the parts' reports. */
export function searchInParts(target: ExploreTarget, options: ExploreOptions, every: number, cap = Infinity): ExploreReport[] {
  const queue: Subtree[] = [];
  let asked = 0;
  let executions = 0;
  const taken = new Set<string>();
  const splitter = {
    claim: () => ++asked % every === 0,
    release: () => undefined,
    give: (subtree: Subtree) => { queue.push(subtree); },
    claimExecution: () => ++executions <= cap,
    stopped: () => executions >= cap,
    take: (hash: number, hash2: number, key: number) => !taken.has(`${hash} ${hash2} ${key}`) && taken.add(`${hash} ${hash2} ${key}`).size > 0,
  };
  const reports = [explore(target, { ...options, splitter })];
  for (let subtree = queue.shift(); subtree !== undefined; subtree = queue.shift()) reports.push(explore(target, { ...options, splitter, subtree }));
  return reports;
}

/**
 * Random program `seed` under a memory model with store buffers: the reduced search, with and
 * without sleep sets, finds every ending the unreduced one finds (capped at `cap` executions).
 */
export function expectReductionKeepsEndings(memoryModel: MemoryModelName, seed: number, cap: number): void {
  const plan = randomPlan(seed);
  const target: ExploreTarget = { scenario: programScenario(plan), cpuCount: plan.cpuCount, memoryModel };
  const bounds = { preemptions: 1 + (seed % 2), irqs: plan.irq ? 1 : 0, iterative: false, stopAtFirstViolation: false } as const;
  expectSameEndings(target, bounds, cap, `seed ${seed}`);
}

/** The reduced search, with and without sleep sets, finds the endings the unreduced one finds within `cap` executions; they are returned. */
export function expectSameEndings(target: ExploreTarget, bounds: ExploreOptions, cap: number, label: string): string[] {
  const full = explore(target, { ...bounds, reduction: false, maxExecutions: cap });
  expect(full.counts.exhausted, `${label}: the unreduced search no longer ends within ${cap} executions; choose the programs again`).toBe(true);
  const all = endings(full);
  expect(endings(explore(target, bounds)), label).toEqual(all);
  expect(endings(explore(target, { ...bounds, sleepSets: true })), `${label}, sleep sets`).toEqual(all);
  return all;
}
