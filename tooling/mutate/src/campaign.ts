import { equivalenceOf, type Equivalents } from './equivalents.js';
import { generateMutants, mutatedSource } from './generate.js';
import { findHomes, homeUrl, strategiesOf, type StrategyHome } from './homes.js';
import type { Job, JobResult, StrategyRef } from './jobs.js';
import type { Mutant } from './mutant.js';
import { planPairs, type MutantOutcome, type PlannedPair } from './run.js';
import { createSandbox, removeSandbox, writeMutant, type Sandbox } from './sandbox.js';
import type { PairOutcome } from './suite.js';

// A campaign: the sound strategies' files, their mutants, the originals' verdicts on every
// scenario, then every mutant against the suite. The environment (where the strategies live,
// how jobs run, the clock, progress output) comes in from the caller.

export interface CampaignOptions {
  /** The strategies package's root (its src is mutated). */
  readonly packageRoot: string;
  /** Only the files of, and the checks against, these strategies (all sound ones when empty). */
  readonly strategies: readonly string[];
  /** Only mutants whose id is listed (all when empty). */
  readonly only: readonly string[];
  /** At most this many mutants, in file order. */
  readonly limit?: number;
  /** Start no mutant after this many seconds from the campaign's start. */
  readonly seconds?: number;
  readonly scenarioNames: readonly string[];
  /** Runs a job (in a worker, or here), with a wall-clock limit; undefined when it ran past it. */
  readonly runJob: (job: Job, seconds: number) => Promise<JobResult | undefined>;
  /** How many jobs run at once (the pool's threads). */
  readonly lanes: number;
  readonly now: () => number;
  readonly runId: string;
  readonly onProgress?: (line: string) => void;
  /**
   * The originals' verdicts from an earlier campaign over the same sources and suite, and where
   * to keep this campaign's: the originals cost most of a short campaign.
   */
  readonly baselineCache?: { readonly read: () => readonly PlannedPair[]; readonly write: (pairs: readonly PlannedPair[]) => void };
  /**
   * Mutants recorded as equivalent, which are not run (each would cost a whole run of the suite
   * only to survive) unless `recheckEquivalents` asks to see whether one is killed after all.
   */
  readonly equivalents?: Equivalents;
  readonly recheckEquivalents?: boolean;
  /**
   * Each mutant's outcome, kept as it finishes, and those an earlier campaign over the same sources
   * kept: a campaign cut short (a session ended, the machine rebooted) goes on where it stopped.
   */
  readonly resultsCache?: { readonly read: () => ReadonlyMap<string, MutantOutcome>; readonly add: (id: string, outcome: MutantOutcome) => void };
}

export interface MutantResult extends Partial<Omit<MutantOutcome, 'status'>> {
  readonly mutant: Mutant;
  readonly strategies: readonly string[];
  /** `not-run`: the budget ran out first; `equivalent`: recorded as equivalent, so not run. */
  readonly status: MutantOutcome['status'] | 'not-run' | 'equivalent';
}

export interface CampaignResult {
  readonly baseline: readonly PlannedPair[];
  readonly results: readonly MutantResult[];
  readonly seconds: number;
}

interface Planned {
  readonly mutant: Mutant;
  readonly homes: readonly StrategyHome[];
}

function planMutants(sandbox: Sandbox, homes: readonly StrategyHome[], options: Pick<CampaignOptions, 'only' | 'limit'>): Planned[] {
  const planned: Planned[] = [];
  for (const [file, source] of sandbox.sources) {
    const owners = strategiesOf(sandbox, homes, file);
    if (owners.length === 0 || /(^|\/)(index|registry)\.ts$/.test(file)) continue;
    for (const mutant of generateMutants(file, source)) {
      if (options.only.length > 0 && !options.only.includes(mutant.id)) continue;
      planned.push({ mutant, homes: owners });
    }
  }
  return options.limit === undefined ? planned : planned.slice(0, options.limit);
}

async function runBaseline(sandbox: Sandbox, homes: readonly StrategyHome[], options: CampaignOptions): Promise<PlannedPair[]> {
  const cached = options.baselineCache?.read() ?? [];
  const jobs = homes.flatMap((home) => options.scenarioNames.map(async (scenario): Promise<PlannedPair> => {
    const known = cached.find((pair) => pair.strategy === home.strategy && pair.scenario === scenario);
    if (known !== undefined) return known;
    const ref = { strategy: home.strategy, url: homeUrl(sandbox, home), exportName: home.exportName };
    // The original is judged in full, whatever it costs: it is what every mutant is held to.
    const original = (await options.runJob({ kind: 'baseline', ref, scenario }, Number.POSITIVE_INFINITY)) as PairOutcome | undefined;
    if (original === undefined) throw new Error(`the original ${home.strategy} on ${scenario} did not finish`);
    options.onProgress?.(`baseline ${home.strategy} ${scenario}: ${original.verdict} (${original.executions} executions, ${original.seconds.toFixed(1)} s)`);
    return { strategy: home.strategy, scenario, original };
  }));
  const baseline = await Promise.all(jobs);
  options.baselineCache?.write([...cached.filter((pair) => !baseline.some((fresh) => fresh.strategy === pair.strategy && fresh.scenario === pair.scenario)), ...baseline]);
  return baseline;
}

/** A mutant's wall-clock limit: several times what its pairs cost the originals, and at least a minute. */
function mutantSeconds(pairs: readonly PlannedPair[]): number {
  return Math.max(60, 4 * pairs.reduce((sum, pair) => sum + pair.original.seconds, 0) + 30);
}

async function runOne(sandbox: Sandbox, planned: Planned, index: number, baseline: readonly PlannedPair[], options: CampaignOptions): Promise<MutantResult> {
  const { mutant, homes } = planned;
  const tag = `${options.runId}m${index}`;
  writeMutant(sandbox, mutant.file, mutatedSource(sandbox.sources.get(mutant.file) ?? '', mutant), tag);
  const names = homes.map((home) => home.strategy);
  const refs: StrategyRef[] = homes.map((home) => ({ strategy: home.strategy, url: homeUrl(sandbox, home, tag), exportName: home.exportName }));
  const pairs = planPairs(baseline.filter((pair) => names.includes(pair.strategy)));
  let outcome: MutantOutcome;
  try {
    const answer = (await options.runJob({ kind: 'mutant', refs, pairs }, mutantSeconds(pairs))) as MutantOutcome | undefined;
    outcome = answer ?? { status: 'timeout', pairsRun: 0, executions: 0, seconds: mutantSeconds(pairs) };
  } catch (error) {
    // The thread died under the mutant (out of memory, a crash): no correct design does that.
    const detail = error instanceof Error ? error.message : String(error);
    outcome = { status: 'killed', killedBy: { strategy: names[0] ?? '', scenario: '(crash)', verdict: 'error', original: 'runs', detail }, pairsRun: 0, executions: 0, seconds: 0 };
  }
  options.onProgress?.(`${mutant.id}: ${outcome.status}${outcome.killedBy === undefined ? '' : ` by ${outcome.killedBy.scenario}`}`);
  return { mutant, strategies: names, ...outcome };
}

/** Maps `items` with at most `lanes` calls in flight, each started only when a lane is free. */
async function inLanes<T, R>(items: readonly T[], lanes: number, body: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await body(items[index] as T, index);
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  return results;
}

async function selectedHomes(sandbox: Sandbox, wanted: readonly string[]): Promise<StrategyHome[]> {
  const allHomes = await findHomes(sandbox);
  const unknown = wanted.filter((name) => !allHomes.some((home) => home.strategy === name));
  if (unknown.length > 0) throw new Error(`not a sound strategy: ${unknown.join(', ')} (sound: ${allHomes.map((home) => home.strategy).join(', ')})`);
  return wanted.length === 0 ? allHomes : allHomes.filter((home) => wanted.includes(home.strategy));
}

export type ListOptions = Pick<CampaignOptions, 'packageRoot' | 'strategies' | 'only' | 'limit' | 'runId'>;

/** The mutants a campaign with these options would run, each with the strategies it is checked against. */
export async function listMutants(options: ListOptions): Promise<{ mutant: Mutant; strategies: string[] }[]> {
  const sandbox = createSandbox(options.packageRoot, options.runId);
  try {
    const planned = planMutants(sandbox, await selectedHomes(sandbox, options.strategies), options);
    return planned.map((entry) => ({ mutant: entry.mutant, strategies: entry.homes.map((home) => home.strategy) }));
  } finally {
    removeSandbox(sandbox);
  }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = options.now();
  const sandbox = createSandbox(options.packageRoot, options.runId);
  try {
    const homes = await selectedHomes(sandbox, options.strategies);
    const planned = planMutants(sandbox, homes, options);
    const skipped = (entry: Planned): boolean => options.recheckEquivalents !== true && (options.equivalents !== undefined && equivalenceOf(options.equivalents, entry.mutant) !== undefined);
    const needed = homes.filter((home) => planned.some((entry) => !skipped(entry) && entry.homes.includes(home)));
    const baseline = await runBaseline(sandbox, needed, options);
    const deadline = options.seconds === undefined ? Number.POSITIVE_INFINITY : started + options.seconds * 1000;
    const kept = options.resultsCache?.read() ?? new Map<string, MutantOutcome>();
    const results = await inLanes(planned, options.lanes, async (entry, index) => {
      const strategies = entry.homes.map((home) => home.strategy);
      if (skipped(entry)) return { mutant: entry.mutant, strategies, status: 'equivalent' } satisfies MutantResult;
      const earlier = kept.get(entry.mutant.id);
      if (earlier !== undefined) {
        options.onProgress?.(`${entry.mutant.id}: ${earlier.status} (kept from an earlier campaign)`);
        return { mutant: entry.mutant, strategies, ...earlier };
      }
      if (options.now() > deadline) return { mutant: entry.mutant, strategies, status: 'not-run' } satisfies MutantResult;
      const result = await runOne(sandbox, entry, index, baseline, options);
      const { mutant: _mutant, strategies: _strategies, ...outcome } = result;
      options.resultsCache?.add(entry.mutant.id, outcome as MutantOutcome);
      return result;
    });
    return { baseline, results, seconds: (options.now() - started) / 1000 };
  } finally {
    removeSandbox(sandbox);
  }
}
