// The report page's script, run in the browser: draws each cost chart with Observable Plot from
// the data the report embedded, and marks the matrix cell whose counterexample is shown. esbuild
// bundles it with Plot into one script that the report inlines (see the package's build).
import * as Plot from '@observablehq/plot';
import type { ChartSpec, ChartsData } from '../chart-spec.js';
import { formatBytes, formatNs } from '../html/format.js';

interface Row {
  readonly strategy: string;
  readonly cpus: number;
  readonly value: number;
}

function readCharts(): ChartsData | undefined {
  const text = document.getElementById('kmodsim-charts')?.textContent ?? '';
  return text === '' ? undefined : (JSON.parse(text) as ChartsData);
}

function valueText(value: number, unit: ChartSpec['unit']): string {
  switch (unit) {
    case 'ns':
      return formatNs(value);
    case 'bytes':
      return formatBytes(value);
    case 'share':
      return `${(value * 100).toFixed(1)} %`;
  }
}

/** One chart: a line and dots per strategy against CPU count, both axes logarithmic but a share's, and the value under the pointer. */
function chartOf(chart: ChartSpec, charts: ChartsData): SVGSVGElement | HTMLElement {
  const rows: Row[] = chart.series.flatMap((series) => series.points.map((point) => ({ strategy: series.strategy, cpus: point.cpus, value: point.value })));
  const tickFormat = (value: number): string => valueText(value, chart.unit);
  return Plot.plot({
    width: 440,
    height: 280,
    marginLeft: 64,
    marginRight: 20,
    style: { fontSize: '11px' },
    // Base 2 on the CPU axis: d3 labels a log axis's ticks only where they are a power of its base.
    x: { type: 'log', base: 2, label: 'CPUs', ticks: powersOfFour(charts.cpuCounts), tickFormat: (cpus: number) => String(cpus) },
    y: chart.yType === 'log'
      ? { type: 'log', base: chart.unit === 'bytes' ? 2 : 10, label: chart.yLabel, grid: true, nice: true, ticks: powersOf(chart.unit === 'bytes' ? 4 : 10, rows.map((row) => row.value)), tickFormat }
      : { type: 'linear', label: chart.yLabel, grid: true, tickFormat },
    color: { type: 'categorical', domain: [...charts.strategies], scheme: 'tableau10' },
    marks: [
      Plot.line(rows, { x: 'cpus', y: 'value', stroke: 'strategy', z: 'strategy', strokeWidth: 1.8 }),
      Plot.dot(rows, { x: 'cpus', y: 'value', fill: 'strategy', r: 2.5 }),
      Plot.tip(rows, Plot.pointer({ x: 'cpus', y: 'value', title: (row: Row) => `${row.strategy}\n${row.cpus} CPU${row.cpus === 1 ? '' : 's'}: ${valueText(row.value, chart.unit)}` })),
    ],
  });
}

/** Ticks at 1, 4, 16, … of the CPU counts priced: all eleven of 1..1024 would crowd the axis. */
function powersOfFour(cpuCounts: readonly number[]): number[] {
  const ticks = cpuCounts.filter((cpus) => Math.log2(cpus) % 2 === 0);
  return ticks.length >= 2 ? ticks : [...cpuCounts];
}

/** A tick at each power of `base` the values span (ten for times, four for sizes: a log axis labelled at every minor tick is unreadable). */
function powersOf(base: number, values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const exponent = (value: number): number => Math.log(value) / Math.log(base);
  const low = Math.floor(exponent(Math.min(...values)) + 1e-9);
  const high = Math.ceil(exponent(Math.max(...values)) - 1e-9);
  return Array.from({ length: high - low + 1 }, (_, index) => base ** (low + index));
}

function drawCharts(charts: ChartsData): void {
  const legend = Plot.legend({ color: { type: 'categorical', domain: [...charts.strategies], scheme: 'tableau10' } });
  document.getElementById('legend')?.append(legend);
  for (const chart of charts.charts) {
    const target = document.querySelector(`figure[data-chart="${CSS.escape(chart.key)}"] .plot`);
    target?.append(chartOf(chart, charts));
  }
}

/** The cell whose counterexample the address names, outlined (the counterexample itself is shown by CSS). */
function markSelected(): void {
  for (const cell of document.querySelectorAll('td.selected')) cell.classList.remove('selected');
  const id = decodeURIComponent(location.hash.slice(1));
  if (id === '') return;
  document.querySelector(`a.to-counterexample[href="#${CSS.escape(id)}"]`)?.closest('td')?.classList.add('selected');
}

const charts = readCharts();
if (charts !== undefined) drawCharts(charts);
window.addEventListener('hashchange', markSelected);
markSelected();
