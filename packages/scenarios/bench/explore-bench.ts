import { comparePaired, measureRate, type BenchmarkLine } from '@kmodsim/bench';
import { explore } from '@kmodsim/explore';
import { findSuiteScenario } from '../src/index.js';
import { createMachine, type Machine, type MachineSnapshot, type Scenario, type ScenarioCheck } from '@kmodsim/cpu';
import { findStrategy, flawedStrategies, strategies, type RefcountStrategy } from '@kmodsim/refcount';

const SEED_DESIGN = 'percpu-stop-machine';

/** The seed's design when it is registered, else the first strategy (so the figure exists either way, and says which). */
export function seedStrategy(): RefcountStrategy {
  return findStrategy(SEED_DESIGN) ?? Object.values(strategies)[0]!;
}

export function unloadVersusGet(strategy: RefcountStrategy) {
  const scenario = findSuiteScenario('unload-vs-get');
  if (scenario === undefined) throw new Error('no unload-vs-get scenario');
  return { scenario: scenario.build(strategy), cpuCount: 2 };
}

export function seconds(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// explore.rate: executions per second exhausting unload-vs-get for the seed design at 2 CPUs,
// preemption bound 2 (the scenario's documented bounds: no interrupts). The baseline is the
// simulator alone starting as the search does: the machine rewound to the checkpoint taken after
// setup and run to its end under round-robin, with no search. The two are timed back to back in
// each sample, so that a burst of other work on a shared machine hits both: the median of the
// samples' ratios says what the search's own bookkeeping costs (issue 18's goal: >= 0.8).
export function benchRate(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = unloadVersusGet(strategy);
  const search = () => explore(target, { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false });
  const executions = search().counts.executions;
  const checkpoint = checkpointOf(target.scenario);
  const paired = comparePaired(() => { search(); }, executions, () => { runFromCheckpoint(checkpoint); }, 1, { warmUpCalls: 1, samples: 7, minSampleSeconds: 1 });
  return {
    name: 'explore.rate', value: Math.round(paired.subjectPerSecond), unit: 'executions/s', baseline: Math.round(paired.baselinePerSecond), ratio: round(paired.ratio),
    quartiles: paired.ratioQuartiles.map(round), strategy: strategy.name, executions, goal: 'ratio >= 0.8 (issue 18)',
    note: 'baseline = runs/s of the simulator alone from the checkpoint (the set-up machine rewound, then one round-robin run to the end, no search); ratio = median of 7 paired samples',
  };
}

// explore.start: what starting one execution costs, from the checkpoint (rewinding the set-up
// machine) against booting the scenario's kernel afresh as a search without checkpoints does.
export function benchStart(): BenchmarkLine {
  const strategy = seedStrategy();
  const { scenario } = unloadVersusGet(strategy);
  const checkpoint = checkpointOf(scenario);
  const rewindsPerSecond = measureRate(() => { rewind(checkpoint); }, 1, { minSeconds: 1, rounds: 3 }).perSecond;
  const bootsPerSecond = measureRate(() => { setUp(scenario, false); }, 1, { minSeconds: 1, rounds: 3 }).perSecond;
  return {
    name: 'explore.start', value: round(1e6 / rewindsPerSecond), unit: 'us per start', baseline: round(1e6 / bootsPerSecond), ratio: round(bootsPerSecond / rewindsPerSecond),
    strategy: strategy.name, scenario: 'unload-vs-get', goal: 'ratio <= 0.1 (issue 18)',
    note: 'value = rewinding the machine to the checkpoint after setup; baseline = a fresh machine with the scenario set up (the demo kernel booted, its modules loaded)',
  };
}

interface Checkpoint {
  readonly machine: Machine;
  readonly snapshot: MachineSnapshot;
  readonly check: ScenarioCheck | undefined;
}

/** A machine with the scenario set up, as the search sets it up (round-robin, replay logs kept when it will be snapshotted). */
function setUp(scenario: Scenario, snapshots: boolean): { machine: Machine; check: ScenarioCheck | undefined } {
  const created = createMachine({ cpuCount: 2, profile: 'generic', schedule: 'kms1:rr', snapshots });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const check = scenario.setup(machine);
  machine.setFaultPolicy('oops');
  return { machine, check };
}

function checkpointOf(scenario: Scenario): Checkpoint {
  const { machine, check } = setUp(scenario, true);
  const taken = machine.snapshot();
  if (!taken.ok) throw new Error(`unload-vs-get cannot be snapshotted after setup: ${taken.message}`);
  return { machine, snapshot: taken.value, check };
}

function rewind(checkpoint: Checkpoint): void {
  const rewound = checkpoint.machine.rewind(checkpoint.snapshot, { replayLogs: false });
  if (!rewound.ok) throw new Error(rewound.message);
}

/** One run of the scenario as the search starts each execution (rewound to the checkpoint), to its end. */
function runFromCheckpoint(checkpoint: Checkpoint): void {
  rewind(checkpoint);
  const { machine, check } = checkpoint;
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
    // A variant only a weaker memory model catches is explore.find.weak's (weak-memory-bench.ts).
    if (strategy.knownViolations?.some((known) => known.memory !== undefined) === true) continue;
    const scenario = findSuiteScenario(CATCHES[strategy.name] ?? 'unload-vs-get');
    if (scenario === undefined) continue;
    let found = 'nothing';
    let executions = 0;
    const elapsed = seconds(() => {
      // Sleep sets on, as kmodsim-compare check searches.
      const report = explore({ scenario: scenario.build(strategy), cpuCount: scenario.cpuCount }, { ...scenario.bounds, maxExecutions: 500_000, sleepSets: true });
      executions = report.counts.executions;
      const violation = report.violations[0];
      if (violation !== undefined) found = `${violation.kind} (${violation.preemptions} preemptions, ${violation.irqs} interrupts)`;
    });
    lines.push({ name: 'explore.find', value: round(elapsed * 1000), unit: 'ms', baseline: executions, ratio: round(executions / elapsed), strategy: strategy.name, scenario: scenario.name, found, note: 'baseline = executions until found; ratio = executions/s' });
  }
  return lines;
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
