import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import type { CostReport, CostSeries, CostWorkload, StrategyCost } from '../src/cost/cost-report.js';
import type { CostSource } from '../src/report/cost-source.js';
import { reportCommand } from '../src/report/report-command.js';

export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Two strategies, one with a known race, on two cheap scenarios: the matrix every report test draws. */
export const SMALL_MATRIX = ['--strategy', 'global-spinlock', '--strategy', 'percpu-naive-sum', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put'];

/** The report command run in-process from the fixtures, priced by `costSource`. */
export async function runReport(argv: readonly string[], costSource: CostSource = fakeCostSource()): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = testIo({ cwd: fixtures });
  const code = await reportCommand(argv, io, costSource);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

// Prices shaped like the seed's argument, made up for the report's tests: a per-CPU design costs
// the same at every size and stops the machine to unload; a shared counter's get+put grows with
// the CPUs. They test the drawing, not the figures (kmodsim-compare cost makes those).

const CPU_COUNTS = [1, 4, 16, 64, 256, 1024];
const WORKLOADS: readonly CostWorkload[] = ['get-put', 'get-put-quarter', 'get-put-one', 'unload', 'others-stopped', 'irqs-off', 'wait-release'];

function pricedLike(strategy: string, perCpu: boolean): StrategyCost {
  const growth = (cpus: number): number => (perCpu ? 1 : cpus);
  const series = WORKLOADS.map((workload): CostSeries => ({
    workload,
    points: CPU_COUNTS.map((cpus) => {
      // A design that does not stop the machine stops no other CPU: 0, which a log scale cannot draw.
      const cycles = workload === 'others-stopped' && !perCpu ? 0 : workload.startsWith('get-put') ? 40 * growth(cpus) : workload === 'unload' && perCpu ? 3000 * cpus : 2000;
      return { cpus, cycles, ns: cycles / 2 };
    }),
  }));
  return {
    strategy,
    ok: true,
    stopsMachine: perCpu,
    waitsForUsers: true,
    series,
    coherence: CPU_COUNTS.map((cpus) => ({ cpus, share: perCpu ? 0 : 1 - 1 / cpus })),
    memory: CPU_COUNTS.map((cpus) => ({ cpus, bytesPerModule: perCpu ? 64 * cpus : 64, bytesForTree: (perCpu ? 64 * cpus : 64) * 4000 })),
  };
}

/** Prices for the given strategies: names starting 'percpu' priced as per-CPU designs, the others as shared counters; `failing` get an ERROR. */
export function smallCostReport(strategies: readonly string[], failing: readonly string[] = []): CostReport {
  return {
    profile: { name: 'generic', description: 'A small generic SMP machine', ghz: 2 },
    cpuCounts: CPU_COUNTS,
    modulesInTree: 4000,
    strategies: strategies.map((strategy) => (failing.includes(strategy) ? { strategy, ok: false, error: 'TypeError: the strategy faulted while pricing' } : pricedLike(strategy, strategy.startsWith('percpu')))),
  };
}

/** A cost source that prices with smallCostReport, and what it was asked. */
export function fakeCostSource(failing: readonly string[] = []): CostSource & { readonly requests: unknown[] } {
  const requests: unknown[] = [];
  return {
    requests,
    prepare: (request) => {
      requests.push(request);
      // A file's strategy is named after the file in the fixtures (racy-atomic.mjs is racy-atomic).
      const names = request.strategies.map((spec) => spec.replace(/^.*\//, '').replace(/\.m?js$/, ''));
      return Promise.resolve(() => Promise.resolve(smallCostReport(names, failing)));
    },
  };
}
