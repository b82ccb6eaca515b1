import { measureRate, type BenchmarkLine } from '@kmodsim/bench';
import { explore } from '@kmodsim/explore';
import { findSuiteScenario } from '../src/index.js';
import { createMachine, type Scenario } from '@kmodsim/cpu';
import { findStrategy, flawedStrategies, strategies, type RefcountStrategy } from '@kmodsim/refcount';

const SEED_DESIGN = 'percpu-stop-machine';

/** The seed's design when it is registered, else the first strategy (so the figure exists either way, and says which). */
function seedStrategy(): RefcountStrategy {
  return findStrategy(SEED_DESIGN) ?? Object.values(strategies)[0]!;
}

function unloadVersusGet(strategy: RefcountStrategy) {
  const scenario = findSuiteScenario('unload-vs-get');
  if (scenario === undefined) throw new Error('no unload-vs-get scenario');
  return { scenario: scenario.build(strategy), cpuCount: 2 };
}

function seconds(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// explore.rate: executions per second exhausting unload-vs-get for the seed design at 2 CPUs,
// preemption bound 2 (the scenario's documented bounds: no interrupts). The baseline, measured in
// the same run, is the simulator alone: the same scenario set up on a fresh machine and run to
// its end under round-robin, with no search. A search that re-runs every execution from the start
// cannot beat it, so the ratio says what the search itself costs; `goalRatio` compares with the
// issue's absolute goal.
export function benchRate(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = unloadVersusGet(strategy);
  const search = () => explore(target, { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false });
  const executions = search().counts.executions;
  const perSecond = measureRate(() => { search(); }, executions, { minSeconds: 2, rounds: 2 }).perSecond;
  const simulatorPerSecond = measureRate(() => { runToEnd(target.scenario); }, 1, { minSeconds: 1, rounds: 2 }).perSecond;
  return {
    name: 'explore.rate', value: Math.round(perSecond), unit: 'executions/s', baseline: Math.round(simulatorPerSecond), ratio: round(perSecond / simulatorPerSecond),
    strategy: strategy.name, executions, goal: '50,000 executions/s on one core', goalRatio: round(perSecond / GOAL_PER_SECOND),
    note: 'baseline = runs/s of the simulator alone (setup and one round-robin run of the scenario, no search)',
  };
}

const GOAL_PER_SECOND = 50_000;

/** One run of the scenario as the search starts each execution (a fresh machine, round-robin setup), to its end. */
function runToEnd(scenario: Scenario): void {
  const created = createMachine({ cpuCount: 2, profile: 'generic', schedule: 'kms1:rr' });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const check = scenario.setup(machine);
  const result = machine.run();
  if (!result.ok) throw new Error(`unload-vs-get failed under round-robin: ${result.fault.message}`);
  const problem = check?.(machine);
  if (problem !== undefined) throw new Error(`unload-vs-get failed its check under round-robin: ${problem}`);
}

/** Executions of the search without reduction are capped: the ratio is then an upper bound. */
const FULL_CAP = 400_000;

// explore.dpor: executions needed with partial-order reduction against without, same scenario and bound.
export function benchDpor(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = unloadVersusGet(strategy);
  const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
  const reduced = explore(target, options).counts.executions;
  const fullReport = explore(target, { ...options, reduction: false, maxExecutions: FULL_CAP, countTraces: true });
  const full = fullReport.counts.executions;
  const capped = !fullReport.counts.exhausted;
  // The distinct traces of the unreduced search: no reduction by the same dependencies can explore fewer.
  const traces = fullReport.counts.distinctTraces ?? full;
  return {
    name: 'explore.dpor', value: reduced, unit: 'executions', baseline: full, ratio: round(reduced / full), strategy: strategy.name, goal: '<= 0.1',
    traces, floorRatio: round(traces / full), overOptimal: round(reduced / traces),
    note: capped ? `the search without reduction was stopped at ${FULL_CAP} executions: the true ratio is lower` : 'both searches exhausted; traces = distinct Mazurkiewicz traces among the unreduced executions, floorRatio = the best ratio any reduction by these dependencies can reach',
  };
}

/** The scenario of the suite that exists to catch each known-bad variant. */
const CATCHES: Readonly<Record<string, string>> = {
  'percpu-naive-sum': 'unload-vs-get',
  'percpu-plain-local': 'irq-get-worker-put',
  'percpu-lost-wakeup': 'wait-vs-last-put',
  'percpu-early-free': 'wait-vs-last-put',
};

// explore.find: time to the first counterexample for each known-bad variant, searching the
// scenario that catches it at its documented bounds (raising the preemption bound from 0).
export function benchFind(): BenchmarkLine[] {
  const lines: BenchmarkLine[] = [];
  for (const strategy of flawedStrategies()) {
    const scenario = findSuiteScenario(CATCHES[strategy.name] ?? 'unload-vs-get');
    if (scenario === undefined) continue;
    let found = 'nothing';
    let executions = 0;
    const elapsed = seconds(() => {
      const report = explore({ scenario: scenario.build(strategy), cpuCount: scenario.cpuCount }, { ...scenario.bounds, maxExecutions: 500_000 });
      executions = report.counts.executions;
      const violation = report.violations[0];
      if (violation !== undefined) found = `${violation.kind} (${violation.preemptions} preemptions, ${violation.irqs} interrupts)`;
    });
    lines.push({ name: 'explore.find', value: round(elapsed * 1000), unit: 'ms', baseline: executions, ratio: round(executions / elapsed), strategy: strategy.name, scenario: scenario.name, found, note: 'baseline = executions until found; ratio = executions/s' });
  }
  return lines;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
