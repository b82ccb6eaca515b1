// What the page's script draws, as data the report computes: one chart per workload, its axes
// and its lines. The script only lays them out with Observable Plot.

export interface ChartPoint {
  readonly cpus: number;
  readonly value: number;
}

export interface ChartSeries {
  readonly strategy: string;
  readonly points: readonly ChartPoint[];
}

export interface ChartSpec {
  /** The workload's key ('get-put', …, 'memory', 'coherence'): the figure's data-chart attribute. */
  readonly key: string;
  readonly title: string;
  readonly yLabel: string;
  readonly yType: 'log' | 'linear';
  /** How a value reads on hover: nanoseconds, bytes or a share of time. */
  readonly unit: 'ns' | 'bytes' | 'share';
  /** A line per strategy with at least one point the scale can draw. */
  readonly series: readonly ChartSeries[];
}

export interface ChartsData {
  /** Every strategy of the report in order: each keeps its colour in every chart. */
  readonly strategies: readonly string[];
  readonly cpuCounts: readonly number[];
  readonly charts: readonly ChartSpec[];
}
