import type { CostReport, CostWorkload, StrategyCost } from '../cost/cost-report.js';
import type { ChartPoint, ChartSeries, ChartSpec, ChartsData } from './chart-spec.js';

/** What each workload's chart shows, in the order the page shows them. */
const WORKLOADS: readonly { readonly workload: CostWorkload; readonly title: string; readonly yLabel: string }[] = [
  { workload: 'get-put', title: 'try_module_get + module_put, every CPU using the module', yLabel: 'ns per get+put' },
  { workload: 'get-put-quarter', title: 'get+put with a quarter of the CPUs active', yLabel: 'ns per get+put' },
  { workload: 'get-put-one', title: 'get+put with one CPU active', yLabel: 'ns per get+put' },
  { workload: 'unload', title: 'Unload of an unused module (delete_module)', yLabel: 'ns to unload' },
  { workload: 'others-stopped', title: 'How long the other CPUs were stopped by that unload', yLabel: 'ns stopped' },
  { workload: 'irqs-off', title: 'Longest window with interrupts off during it', yLabel: 'ns with interrupts off' },
  { workload: 'wait-release', title: 'rmmod --wait: from the last module_put to the module freed', yLabel: 'ns to free' },
];

type Priced = Extract<StrategyCost, { ok: true }>;

/** A chart per workload, then the refcount's memory and the coherence share, from the prices of every strategy that has them. */
export function chartsOf(cost: CostReport, strategies: readonly string[]): ChartsData {
  const priced = cost.strategies.filter((entry): entry is Priced => entry.ok);
  const workloadCharts = WORKLOADS.map(({ workload, title, yLabel }): ChartSpec => ({
    key: workload,
    title,
    yLabel,
    yType: 'log',
    unit: 'ns',
    series: drawable(priced.map((entry) => ({ strategy: entry.strategy, points: (entry.series.find((series) => series.workload === workload)?.points ?? []).map((point) => ({ cpus: point.cpus, value: point.ns })) })), 'log'),
  }));
  const memory: ChartSpec = {
    key: 'memory',
    title: `Refcount memory per module (×${cost.modulesInTree.toLocaleString('en-US')} modules for a whole tree)`,
    yLabel: 'bytes per module',
    yType: 'log',
    unit: 'bytes',
    series: drawable(priced.map((entry) => ({ strategy: entry.strategy, points: entry.memory.map((point) => ({ cpus: point.cpus, value: point.bytesPerModule })) })), 'log'),
  };
  const coherence: ChartSpec = {
    key: 'coherence',
    title: 'Share of the machine lost to coherence traffic (get+put, every CPU)',
    yLabel: 'share of cycles',
    yType: 'linear',
    unit: 'share',
    series: drawable(priced.map((entry) => ({ strategy: entry.strategy, points: entry.coherence.map((point) => ({ cpus: point.cpus, value: point.share })) })), 'linear'),
  };
  return { strategies, cpuCounts: cost.cpuCounts, charts: [...workloadCharts, memory, coherence] };
}

/** The points a scale can draw (a log scale has no 0: a design that never stops the machine has no line there), and the series left with any. */
function drawable(series: readonly ChartSeries[], yType: 'log' | 'linear'): ChartSeries[] {
  const fits = (point: ChartPoint): boolean => Number.isFinite(point.value) && (yType === 'linear' || point.value > 0);
  return series.map((entry) => ({ strategy: entry.strategy, points: entry.points.filter(fits) })).filter((entry) => entry.points.length > 0);
}

/** The strategies a chart has no line for, though they were priced, and why: the workload does not apply (no series), or every figure is 0 on a log scale. */
export function undrawn(chart: ChartSpec, cost: CostReport): { readonly strategy: string; readonly why: string }[] {
  const priced = cost.strategies.filter((entry): entry is Priced => entry.ok);
  return priced.filter((entry) => !chart.series.some((series) => series.strategy === entry.strategy)).map((entry) => {
    const applies = WORKLOADS.every(({ workload }) => workload !== chart.key) || entry.series.some((series) => series.workload === chart.key);
    return { strategy: entry.strategy, why: applies ? '0 at every size' : 'does not apply' };
  });
}
