import type { RelaxedSave } from '../snapshot.js';
import type { RelaxedViews, WriteTag } from './relaxed-views.js';

// The 'relaxed' model's views as plain numbers for a snapshot. Tags are shared (every store of a
// CPU's epoch has the same one, and a cell keeps the tag of the store it holds), so they are saved
// once in a table and named by index; a stale copy's missing tag is -1.

/** The views, and the tags of each CPU's buffered stores (oldest first), as plain data. */
export function saveRelaxed(views: RelaxedViews, bufferTags: readonly (readonly WriteTag[])[]): RelaxedSave {
  const table: number[][] = [];
  const indexes = new Map<WriteTag, number>();
  const indexOf = (tag: WriteTag | undefined): number => {
    if (tag === undefined) return -1;
    let index = indexes.get(tag);
    if (index === undefined) {
      index = table.length;
      indexes.set(tag, index);
      table.push([tag.writer, tag.epoch, ...tag.view]);
    }
    return index;
  };
  return {
    epoch: [...views.epoch],
    known: views.known.map((view) => [...view]),
    observed: views.observed.map((view) => [...view]),
    published: views.published.map((view) => [...view]),
    cellTags: [...views.tags].map(([cell, tag]) => [cell, indexOf(tag)]),
    stale: views.stale.map((copies) => [...copies].map(([cell, copy]) => [cell, copy.value, indexOf(copy.tag), copy.read ? 1 : 0, ...copy.superseded])),
    bufferTags: bufferTags.map((tags) => tags.map(indexOf)),
    carried: [...views.carried].map(([pid, view]) => [pid, ...view]),
    tags: table,
  };
}

/** Puts saved views back (in place: a rewind many times a second) and returns the buffered stores' tags. */
export function loadRelaxed(views: RelaxedViews, saved: RelaxedSave): WriteTag[][] {
  const cpus = views.cpuCount;
  const tags = saved.tags.map((row): WriteTag => ({ writer: row[0] ?? 0, epoch: row[1] ?? 1, view: Int32Array.from(row.slice(2, 2 + cpus)) }));
  const tagAt = (index: number): WriteTag | undefined => tags[index];
  views.epoch.set(saved.epoch);
  for (let cpu = 0; cpu < cpus; cpu++) {
    views.known[cpu]?.set(saved.known[cpu] ?? []);
    views.observed[cpu]?.set(saved.observed[cpu] ?? []);
    views.published[cpu] = Int32Array.from(saved.published[cpu] ?? []);
    const copies = views.stale[cpu];
    copies?.clear();
    for (const row of saved.stale[cpu] ?? []) {
      copies?.set(row[0] ?? 0, { value: row[1] ?? 0, tag: tagAt(row[2] ?? -1), read: row[3] === 1, superseded: Int32Array.from(row.slice(4, 4 + cpus)) });
    }
  }
  views.tags.clear();
  for (const [cell, index] of saved.cellTags) {
    const tag = tagAt(index ?? -1);
    if (cell !== undefined && tag !== undefined) views.tags.set(cell, tag);
  }
  views.carried.clear();
  for (const row of saved.carried) views.carried.set(row[0] ?? 0, Int32Array.from(row.slice(1, 1 + cpus)));
  views.resetTags();
  return saved.bufferTags.map((indexes) => indexes.map((index) => tagAt(index)).filter((tag) => tag !== undefined));
}

/** Whether decoded JSON holds saved views for `cpuCount` CPUs whose buffers hold `buffered` stores each. */
export function isRelaxedSave(value: unknown, cpuCount: number, buffered: readonly number[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const saved = value as Partial<Record<keyof RelaxedSave, unknown>>;
  const ints = (row: unknown, length?: number): boolean => Array.isArray(row) && row.every(Number.isInteger) && (length === undefined || row.length === length);
  const perCpu = (rows: unknown, length?: number): boolean => Array.isArray(rows) && rows.length === cpuCount && rows.every((row) => ints(row, length));
  if (!ints(saved.epoch, cpuCount)) return false;
  if (!perCpu(saved.known, cpuCount) || !perCpu(saved.observed, cpuCount) || !perCpu(saved.published, cpuCount)) return false;
  const table = saved.tags;
  if (!Array.isArray(table) || !table.every((row) => ints(row, 2 + cpuCount) && isCpu((row as number[])[0], cpuCount))) return false;
  const tagIndex = (index: unknown): boolean => Number.isInteger(index) && (index as number) >= -1 && (index as number) < table.length;
  if (!Array.isArray(saved.cellTags) || !saved.cellTags.every((pair) => ints(pair, 2) && tagIndex((pair as number[])[1]))) return false;
  if (!Array.isArray(saved.stale) || saved.stale.length !== cpuCount) return false;
  if (!saved.stale.every((copies) => Array.isArray(copies) && copies.every((row) => ints(row, 4 + cpuCount) && tagIndex((row as number[])[2]) && isFlag((row as number[])[3])))) return false;
  if (!Array.isArray(saved.carried) || !saved.carried.every((row) => ints(row, 1 + cpuCount))) return false;
  const bufferTags = saved.bufferTags;
  return Array.isArray(bufferTags) && bufferTags.length === cpuCount && bufferTags.every((row, cpu) => ints(row, buffered[cpu]) && (row as number[]).every((index) => index >= 0 && index < table.length));
}

function isFlag(value: number | undefined): boolean {
  return value === 0 || value === 1;
}

function isCpu(value: number | undefined, cpuCount: number): boolean {
  return value !== undefined && value >= 0 && value < cpuCount;
}
