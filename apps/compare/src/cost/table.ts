import type { CostReport, CostWorkload, StrategyCost } from './cost-report.js';

// cost's tables: one per workload, a row per strategy and a column per machine size, times in
// the unit that suits each (ns, µs, ms, s) to three significant figures. The profile heads them.

/** What a table shows of one priced strategy at one machine size; undefined where it has nothing. */
type Cell = (strategy: Extract<StrategyCost, { ok: true }>, cpus: number) => string | undefined;

interface Table {
  readonly title: string;
  readonly cell: Cell;
  /** What a row says when the strategy has no figure at all (none of its cells has one). */
  readonly none?: string;
}

const TIME_TABLES: readonly (readonly [CostWorkload, string])[] = [
  ['get-put', 'get+put, every CPU using the module: time per try_module_get + module_put'],
  ['get-put-quarter', 'get+put, a quarter of the CPUs using it (at least one)'],
  ['get-put-one', 'get+put, one CPU using it'],
  ['unload', 'unload of an unused module: delete_module, call to return'],
  ['others-stopped', 'unload: the longest any other CPU was stopped for it'],
  ['irqs-off', 'unload: the longest window any other CPU had interrupts off (its interrupt latency)'],
  ['wait-release', 'rmmod --wait, users releasing one by one: from the last module_put to the module freed'],
];

function tables(modulesInTree: number): Table[] {
  const timeTables = TIME_TABLES.map(([workload, title]): Table => ({
    title,
    cell: (strategy, cpus) => {
      const point = strategy.series.find((series) => series.workload === workload)?.points.find((at) => at.cpus === cpus);
      return point === undefined ? undefined : formatNanoseconds(point.ns);
    },
    ...(workload === 'wait-release' ? { none: 'does not wait: rmmod --wait is refused while the module is in use' } : {}),
  }));
  const coherence: Table = {
    title: 'get+put, every CPU: share of the CPUs\' time spent moving cache lines between them',
    cell: (strategy, cpus) => {
      const share = strategy.coherence.find((point) => point.cpus === cpus)?.share;
      return share === undefined ? undefined : formatShare(share);
    },
  };
  const memory = (title: string, bytes: (point: { bytesPerModule: number; bytesForTree: number }) => number): Table => ({
    title,
    cell: (strategy, cpus) => {
      const point = strategy.memory.find((at) => at.cpus === cpus);
      return point === undefined ? undefined : formatBytes(bytes(point));
    },
  });
  return [
    ...timeTables.slice(0, 3),
    coherence,
    ...timeTables.slice(3),
    memory('refcount memory per module, cache-line padding included', (point) => point.bytesPerModule),
    memory(`refcount memory for ${thousands(modulesInTree)} modules (Debian's tree)`, (point) => point.bytesForTree),
  ];
}

/** The whole human report: the profile, then each table, then what each design does on unload. */
export function formatCostTables(report: CostReport): string {
  const { profile } = report;
  const lines = [
    `Profile ${profile.name} (${profile.ghz} GHz): ${profile.description}`,
    'Simulated cycles from its cost model over its clock: exact, and the same on every run.',
  ];
  const width = Math.max('STRATEGY'.length, ...report.strategies.map((strategy) => strategy.strategy.length)) + 2;
  const columnWidth = 10;
  const header = `${'CPUS'.padEnd(width)}${report.cpuCounts.map((cpus) => String(cpus).padStart(columnWidth)).join('')}`;
  tables(report.modulesInTree).forEach((table, index) => {
    lines.push('', table.title, header);
    for (const strategy of report.strategies) {
      const name = strategy.strategy.padEnd(width);
      if (!strategy.ok) {
        lines.push(`${name}ERROR${index === 0 ? `: ${strategy.error}` : ''}`);
        continue;
      }
      const cells = report.cpuCounts.map((cpus) => table.cell(strategy, cpus));
      const none = cells.every((cell) => cell === undefined) ? table.none : undefined;
      lines.push(none === undefined ? `${name}${cells.map((cell) => (cell ?? '-').padStart(columnWidth)).join('')}` : `${name}${none}`);
    }
  });
  lines.push('', 'unload', `${'STRATEGY'.padEnd(width)}STOPS THE MACHINE  WAITS FOR USERS`);
  for (const strategy of report.strategies) {
    const name = strategy.strategy.padEnd(width);
    lines.push(strategy.ok ? `${name}${(strategy.stopsMachine ? 'yes' : 'no').padEnd(19)}${strategy.waitsForUsers ? 'yes' : 'no'}` : `${name}ERROR`);
  }
  return `${lines.join('\n')}\n`;
}

/** A time to three significant figures in the unit that suits it: 3.81 ns, 412 µs, 1.21 s. */
export function formatNanoseconds(ns: number): string {
  const units: readonly (readonly [number, string])[] = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs']];
  const [scale, unit] = units.find(([size]) => roundsUpTo(ns, size)) ?? [1, 'ns'];
  return `${significant(ns / scale)} ${unit}`;
}

/** Bytes in binary units: 64 B, 4 KiB, 256 MiB. */
export function formatBytes(bytes: number): string {
  const units: readonly (readonly [number, string])[] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  const [scale, unit] = units.find(([size]) => roundsUpTo(bytes, size)) ?? [1, 'B'];
  return `${significant(bytes / scale)} ${unit}`;
}

/** 4000 as 4,000. */
function thousands(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A share as a percentage, to a tenth of a percent. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Whether `value` reaches `size` once rounded to three figures (999.7 ns prints as 1 µs, not 1000 ns). */
function roundsUpTo(value: number, size: number): boolean {
  return value >= size * 0.9995;
}

/** Three significant figures, without trailing zeros after the point (0 stays 0). */
function significant(value: number): string {
  if (value === 0) return '0';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}
