import { measureRate, type BenchmarkLine } from '@kmodsim/bench';
import { explore, findSuiteScenario } from '@kmodsim/explore';
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
// preemption bound 2, against the same executions' machine steps alone (a bare run per execution).
export function benchRate(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = unloadVersusGet(strategy);
  const search = () => explore(target, { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false });
  const executions = search().counts.executions;
  const perSecond = measureRate(() => { search(); }, executions, { minSeconds: 2 }).perSecond;
  return { name: 'explore.rate', value: Math.round(perSecond), unit: 'executions/s', baseline: 50_000, ratio: round(perSecond / 50_000), strategy: strategy.name, executions, goal: 'ratio >= 1 (50,000 executions/s on one core)' };
}

// explore.dpor: executions needed with partial-order reduction against without, same scenario and bound.
export function benchDpor(): BenchmarkLine {
  const strategy = seedStrategy();
  const target = unloadVersusGet(strategy);
  const options = { preemptions: 2, irqs: 0, iterative: false, stopAtFirstViolation: false } as const;
  const reduced = explore(target, options).counts.executions;
  const full = explore(target, { ...options, reduction: false, maxExecutions: 2_000_000 }).counts.executions;
  return { name: 'explore.dpor', value: reduced, unit: 'executions', baseline: full, ratio: round(reduced / full), strategy: strategy.name, goal: '<= 0.1' };
}

// explore.find: time to the first counterexample for each known-bad variant.
export function benchFind(): BenchmarkLine[] {
  const lines: BenchmarkLine[] = [];
  for (const strategy of flawedStrategies()) {
    let found = '';
    let executions = 0;
    const elapsed = seconds(() => {
      for (const name of ['unload-vs-get', 'wait-vs-last-put', 'irq-get-put', 'migrate-put']) {
        const scenario = findSuiteScenario(name);
        if (scenario === undefined) continue;
        const report = explore({ scenario: scenario.build(strategy), cpuCount: scenario.cpuCount }, { preemptions: 2, irqs: 1 });
        executions += report.counts.executions;
        const violation = report.violations[0];
        if (violation !== undefined) {
          found = `${name}: ${violation.kind}`;
          break;
        }
      }
    });
    lines.push({ name: 'explore.find', value: round(elapsed * 1000), unit: 'ms', baseline: executions, ratio: 1, strategy: strategy.name, found, note: 'baseline = executions until found' });
  }
  return lines;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
