import { MEMORY_MODEL_NAMES, type MemoryModelName } from '@kmodsim/cpu';
import type { Bounds, ExploreReport, SearchCounts, SearchMode, Violation } from '@kmodsim/explore';
import { UsageError } from '../io.js';
import type { ShardOfSearch } from '../check/verdict.js';
import type { Expectation } from '@kmodsim/scenarios';

/** One line of `check --json`: a verdict on (part of) a search, a pair that does not apply, or one whose search could not run. */
export type ShardLine =
  | {
    readonly kind: 'report';
    readonly strategy: string;
    readonly report: ExploreReport;
    readonly shard: ShardOfSearch;
    readonly replay: string | undefined;
    readonly expectation: Expectation;
  }
  /** `memory`: undefined in a line from before these lines said it. */
  | { readonly kind: 'not-applicable' | 'search-error'; readonly strategy: string; readonly scenario: string; readonly reason: string; readonly memory: MemoryModelName | undefined };

const MODES: readonly SearchMode[] = ['exhaustive', 'random', 'pct'];

/** Reads one JSON line of `check --json`; `where` names it in errors (file:line). */
export function parseShardLine(text: string, where: string): ShardLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${where}: not a line of 'kmodsim-compare check --json' output (not JSON)`);
  }
  const line = asRecord(value, where, 'the line');
  const strategy = readText(line, 'strategy', where);
  const scenario = readText(line, 'scenario', where);
  if (line['verdict'] === 'n/a' || line['verdict'] === 'error') {
    const kind = line['verdict'] === 'n/a' ? 'not-applicable' : 'search-error';
    return { kind, strategy, scenario, reason: readText(line, 'reason', where), memory: readMemory(line, where) };
  }
  const mode = line['mode'];
  if (!MODES.includes(mode as SearchMode)) throw new UsageError(`${where}: 'mode' is not one of ${MODES.join(', ')}`);
  const cpus = readCount(line, 'cpus', where);
  const boundsRecord = asRecord(line['bounds'], where, "'bounds'");
  const bounds: Bounds = { preemptions: readCount(boundsRecord, 'preemptions', where), irqs: readCount(boundsRecord, 'irqs', where), steps: readCount(boundsRecord, 'steps', where) };
  const countsRecord = asRecord(line['counts'], where, "'counts'");
  const counts: SearchCounts = {
    executions: readCount(countsRecord, 'executions', where),
    completed: readCount(countsRecord, 'completed', where),
    pruned: readCount(countsRecord, 'pruned', where),
    cut: readCount(countsRecord, 'cut', where),
    distinctOutcomes: readCount(countsRecord, 'distinctOutcomes', where),
    exhausted: countsRecord['exhausted'] === true,
  };
  const violation = line['violation'] === null ? undefined : (asRecord(line['violation'], where, "'violation'") as unknown as Violation);
  if (violation !== undefined && (typeof violation.schedule !== 'string' || typeof violation.kind !== 'string' || typeof violation.message !== 'string')) {
    throw new UsageError(`${where}: the violation lacks its kind, message or schedule`);
  }
  // A line from before memory models were searched is sequentially consistent.
  const memory = readMemory(line, where) ?? 'sc';
  const report: ExploreReport = { scenario, cpuCount: cpus, memoryModel: memory, mode: mode as SearchMode, bounds, counts, violations: violation === undefined ? [] : [violation] };
  const replay = typeof line['replay'] === 'string' ? line['replay'] : undefined;
  return { kind: 'report', strategy, report, shard: parseShard(line['shard'], where), replay, expectation: parseExpectation(line['expectation'], where) };
}

/** What the pair was expected to show, as check wrote it (a line without one is from before declarations: clean). */
function parseExpectation(value: unknown, where: string): Expectation {
  if (value === undefined || value === null) return { kind: 'clean' };
  const record = asRecord(value, where, "'expectation'");
  const kind = record['kind'];
  if (kind === 'clean') return { kind };
  const kinds = record['kinds'];
  if ((kind !== 'declared' && kind !== 'scenario-fault') || !Array.isArray(kinds) || !kinds.every((entry) => typeof entry === 'string')) {
    throw new UsageError(`${where}: 'expectation' is not one check writes`);
  }
  const typed = kinds as Extract<Expectation, { kind: 'declared' }>['kinds'];
  return kind === 'declared' ? { kind, kinds: typed, why: typeof record['why'] === 'string' ? record['why'] : '' } : { kind, kinds: typed };
}

function parseShard(value: unknown, where: string): ShardOfSearch {
  if (value === null || value === undefined) return null;
  const shard = asRecord(value, where, "'shard'");
  const index = readCount(shard, 'index', where);
  const total = readCount(shard, 'count', where);
  if (total < 1 || index >= total) throw new UsageError(`${where}: shard ${index}/${total} does not exist`);
  return { index, count: total };
}

function readMemory(record: Record<string, unknown>, where: string): MemoryModelName | undefined {
  const memory = record['memory'];
  if (memory === undefined) return undefined;
  if (!(MEMORY_MODEL_NAMES as readonly unknown[]).includes(memory)) throw new UsageError(`${where}: 'memory' is not one of ${MEMORY_MODEL_NAMES.join(', ')}`);
  return memory as MemoryModelName;
}

function asRecord(value: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where}: ${what} is not an object`);
  return value as Record<string, unknown>;
}

function readText(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw new UsageError(`${where}: '${key}' is missing or not a string`);
  return value;
}

function readCount(record: Record<string, unknown>, key: string, where: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new UsageError(`${where}: '${key}' is missing or not a whole number`);
  return value;
}
