import type { BenchmarkLine } from '@kmodsim/bench';
import { explore } from '@kmodsim/explore';
import { findStrategy } from '@kmodsim/refcount';
import { findSuiteScenario } from '../src/index.js';
import { round, seconds, seedStrategy, unloadVersusGet } from './explore-bench.js';

/** Each variant that only a memory model weaker than sc catches, the scenario of the suite that catches it, and the strongest model that does. */
export const WEAK_ONLY_CATCHES: Readonly<Record<string, { readonly scenario: string; readonly memory: 'tso' | 'relaxed' }>> = {
  'percpu-unordered-wait': { scenario: 'completion-last-put-vs-failed-init', memory: 'tso' },
  'percpu-dekker-unordered-put': { scenario: 'wait-vs-last-put', memory: 'tso' },
  'percpu-split-unordered-sum': { scenario: 'accept-during-wait', memory: 'relaxed' },
};

const FULL_CAP = 400_000;

// explore.tso: executions with partial-order reduction against without, on unload-vs-get for the
// seed design under x86-TSO at the scenario's bounds (each store buffer's flush a process of its
// own; letting a CPU go on past its buffered store costs one, as a preemption does). Goal <= 0.2.
export function benchTso(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = { ...unloadVersusGet(strategy), memoryModel: 'tso' as const };
  const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
  const reduced = explore(target, options).counts.executions;
  const fullReport = explore(target, { ...options, reduction: false, maxExecutions: FULL_CAP });
  const full = fullReport.counts.executions;
  return {
    name: 'explore.tso', value: reduced, unit: 'executions', baseline: full, ratio: round(reduced / full), strategy: strategy.name, goal: '<= 0.2',
    note: fullReport.counts.exhausted ? 'both searches exhausted' : `the search without reduction was stopped at ${FULL_CAP} executions: the true ratio is lower`,
  };
}

// explore.find.weak: time to the first counterexample for each weak-only variant, under the
// strongest model that catches it (tso, or relaxed for one only relaxed catches), on the scenario
// that catches it at its documented bounds, with sleep sets as check searches. Goal <= 1 s each.
export function benchFindWeak(): BenchmarkLine[] {
  const lines: BenchmarkLine[] = [];
  for (const [name, { scenario: scenarioName, memory }] of Object.entries(WEAK_ONLY_CATCHES)) {
    const strategy = findStrategy(name);
    const scenario = findSuiteScenario(scenarioName);
    if (strategy === undefined || scenario === undefined) throw new Error(`explore.find.weak: no strategy ${name} or scenario ${scenarioName}`);
    let found = 'nothing';
    let executions = 0;
    const elapsed = seconds(() => {
      const report = explore({ scenario: scenario.build(strategy), cpuCount: scenario.cpuCount, memoryModel: memory }, { ...scenario.bounds, maxExecutions: 500_000, sleepSets: true });
      executions = report.counts.executions;
      const violation = report.violations[0];
      if (violation !== undefined) found = `${violation.kind} (${violation.preemptions} preemptions, ${violation.irqs} interrupts)`;
    });
    lines.push({ name: 'explore.find.weak', value: round(elapsed * 1000), unit: 'ms', baseline: executions, ratio: round(executions / elapsed), strategy: name, scenario: scenarioName, memory, found, goal: '<= 1000', note: 'baseline = executions until found; ratio = executions/s' });
  }
  return lines;
}
