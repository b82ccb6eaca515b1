import type { RelaxedSave } from '../snapshot.js';
import type { RelaxedViews, WriteTag } from './relaxed-views.js';

// The 'relaxed' model's views as plain numbers for a snapshot. Tags are shared (every store of a
// CPU's epoch has the same one, and a cell keeps the tag of the store it holds), and so are
// histories (a cell's and its stale copies'), so each is saved once in a table and named by index;
// a missing tag or history is -1.

/** Numbers each distinct object once, in a table of rows. */
function interner<T extends object>(row: (item: T) => number[]): { table: number[][]; indexOf: (item: T | undefined) => number } {
  const table: number[][] = [];
  const indexes = new Map<T, number>();
  const indexOf = (item: T | undefined): number => {
    if (item === undefined) return -1;
    let index = indexes.get(item);
    if (index === undefined) {
      index = table.length;
      indexes.set(item, index);
      table.push(row(item));
    }
    return index;
  };
  return { table, indexOf };
}

/** The views, and the tags of each CPU's buffered stores (oldest first), as plain data. */
export function saveRelaxed(views: RelaxedViews, bufferTags: readonly (readonly WriteTag[])[]): RelaxedSave {
  const tags = interner<WriteTag>((tag) => [tag.writer, tag.epoch, ...tag.view, ...tag.strong]);
  const histories = interner<Int32Array>((history) => [...history]);
  return {
    epoch: [...views.epoch],
    known: views.known.map((view) => [...view]),
    observed: views.observed.map((view) => [...view]),
    published: views.published.map((view) => [...view]),
    strongPublished: views.strongPublished.map((view) => [...view]),
    coSeen: views.coSeen.map((view) => [...view]),
    strongLearned: views.strongLearned.map((view) => [...view]),
    cellTags: [...views.tags].map(([cell, tag]) => [cell, tags.indexOf(tag)]),
    cellHistories: [...views.history].map(([cell, history]) => [cell, histories.indexOf(history)]),
    stale: views.stale.map((copies) => [...copies].map(([cell, copy]) => [cell, copy.value, tags.indexOf(copy.tag), copy.read ? 1 : 0, histories.indexOf(copy.history), ...copy.superseded])),
    bufferTags: bufferTags.map((own) => own.map(tags.indexOf)),
    carried: [...views.carried].map(([pid, view]) => [pid, ...view]),
    tags: tags.table,
    histories: histories.table,
  };
}

/** Puts saved views back (in place: a rewind many times a second) and returns the buffered stores' tags. */
export function loadRelaxed(views: RelaxedViews, saved: RelaxedSave): WriteTag[][] {
  const cpus = views.cpuCount;
  const tags = saved.tags.map((row): WriteTag => ({
    writer: row[0] ?? 0,
    epoch: row[1] ?? 1,
    view: Int32Array.from(row.slice(2, 2 + cpus)),
    strong: Int32Array.from(row.slice(2 + cpus, 2 + 2 * cpus)),
  }));
  const histories = saved.histories.map((row) => Int32Array.from(row));
  const tagAt = (index: number): WriteTag | undefined => tags[index];
  views.epoch.set(saved.epoch);
  for (let cpu = 0; cpu < cpus; cpu++) {
    views.known[cpu]?.set(saved.known[cpu] ?? []);
    views.observed[cpu]?.set(saved.observed[cpu] ?? []);
    views.coSeen[cpu]?.set(saved.coSeen[cpu] ?? []);
    views.strongLearned[cpu]?.set(saved.strongLearned[cpu] ?? []);
    views.published[cpu] = Int32Array.from(saved.published[cpu] ?? []);
    views.strongPublished[cpu] = Int32Array.from(saved.strongPublished[cpu] ?? []);
    const copies = views.stale[cpu];
    copies?.clear();
    for (const row of saved.stale[cpu] ?? []) {
      copies?.set(row[0] ?? 0, { value: row[1] ?? 0, tag: tagAt(row[2] ?? -1), read: row[3] === 1, history: histories[row[4] ?? -1], superseded: Int32Array.from(row.slice(5, 5 + cpus)) });
    }
  }
  views.tags.clear();
  for (const [cell, index] of saved.cellTags) {
    const tag = tagAt(index ?? -1);
    if (cell !== undefined && tag !== undefined) views.tags.set(cell, tag);
  }
  views.history.clear();
  for (const [cell, index] of saved.cellHistories) {
    const history = histories[index ?? -1];
    if (cell !== undefined && history !== undefined) views.history.set(cell, history);
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
  if (![saved.known, saved.observed, saved.published, saved.strongPublished, saved.coSeen, saved.strongLearned].every((rows) => perCpu(rows, cpuCount))) return false;
  const table = saved.tags;
  const histories = saved.histories;
  if (!Array.isArray(table) || !table.every((row) => ints(row, 2 + 2 * cpuCount) && isCpu((row as number[])[0], cpuCount))) return false;
  if (!Array.isArray(histories) || !histories.every((row) => ints(row, cpuCount))) return false;
  const indexIn = (rows: readonly unknown[]) => (index: unknown): boolean => Number.isInteger(index) && (index as number) >= -1 && (index as number) < rows.length;
  const tagIndex = indexIn(table);
  const historyIndex = indexIn(histories);
  if (!Array.isArray(saved.cellTags) || !saved.cellTags.every((pair) => ints(pair, 2) && tagIndex((pair as number[])[1]))) return false;
  if (!Array.isArray(saved.cellHistories) || !saved.cellHistories.every((pair) => ints(pair, 2) && historyIndex((pair as number[])[1]))) return false;
  if (!Array.isArray(saved.stale) || saved.stale.length !== cpuCount) return false;
  const isCopy = (row: unknown): boolean => ints(row, 5 + cpuCount) && tagIndex((row as number[])[2]) && isFlag((row as number[])[3]) && historyIndex((row as number[])[4]);
  if (!saved.stale.every((copies) => Array.isArray(copies) && copies.every(isCopy))) return false;
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
