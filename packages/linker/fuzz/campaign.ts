import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RoundReport } from './child.js';
import { mutate, roundRandom } from './mutate.js';
import { fixtureSources, realTreeSources } from './sources.js';

// The linker's fuzz campaign: a seeded mutator over the fixture modules and (when present) 21
// real modules, every input through every entry point (fuzz/run-input.ts), in a child process
// so that a hang can be cut (no report for HANG_MS) and memory measured as the kernel would see
// it (the child's peak RSS; the input that raised it most is named). Every input that crashed or
// hung is written to fuzz/corpus/, where test/fuzz-corpus.test.ts keeps it as a regression
// fixture; a failure is reproduced from its seed and round.

export const HANG_MS = 2_000;
const STARTUP_MS = 30_000;
const corpusDir = fileURLToPath(new URL('./corpus/', import.meta.url));
const childPath = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface CampaignOptions {
  readonly seconds: number;
  readonly seed: number;
  readonly tree: boolean;
  readonly log?: (line: string) => void;
}

export interface Failure {
  readonly kind: 'crash' | 'hang';
  readonly round: number;
  readonly source: string;
  readonly message: string;
  readonly file: string;
}

export interface CampaignSummary {
  readonly seed: number;
  readonly inputs: number;
  readonly seconds: number;
  readonly inputsPerSecond: number;
  readonly sources: number;
  readonly failures: readonly Failure[];
  readonly peakRssBytes: number;
  /** The input that raised the child's peak RSS the most, and the slowest input. */
  readonly worstMemory: { readonly round: number; readonly source: string; readonly raisedBytes: number } | undefined;
  readonly slowest: { readonly round: number; readonly source: string; readonly ms: number } | undefined;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const sources = [...fixtureSources(), ...(options.tree ? realTreeSources() : [])];
  const state = new CampaignState(options, sources.map((s) => s.name));
  const deadline = Date.now() + options.seconds * 1000;
  const startedMs = Date.now();
  let next = 0;
  while (Date.now() < deadline) next = await runChild(options, next, deadline, state, (round) => keep(options.seed, round, sources));
  const seconds = (Date.now() - startedMs) / 1000;
  return state.summary(seconds);
}

class CampaignState {
  inputs = 0;
  peakRssBytes = 0;
  readonly failures: Failure[] = [];
  worstMemory: CampaignSummary['worstMemory'];
  slowest: CampaignSummary['slowest'];

  constructor(
    readonly options: CampaignOptions,
    readonly sourceNames: readonly string[],
  ) {}

  take(report: RoundReport, save: (round: number) => string): void {
    this.inputs++;
    if (report.maxRssBytes > this.peakRssBytes) {
      const raised = report.maxRssBytes - this.peakRssBytes;
      if (this.inputs > 1 && (this.worstMemory === undefined || raised > this.worstMemory.raisedBytes)) {
        this.worstMemory = { round: report.round, source: report.source, raisedBytes: raised };
      }
      this.peakRssBytes = report.maxRssBytes;
    }
    if (this.slowest === undefined || report.ms > this.slowest.ms) this.slowest = { round: report.round, source: report.source, ms: report.ms };
    if (report.crash !== undefined) this.fail('crash', report.round, report.crash, save);
  }

  fail(kind: Failure['kind'], round: number, message: string, save: (round: number) => string): void {
    const source = this.sourceNames[round % this.sourceNames.length] ?? '?';
    const failure = { kind, round, source, message, file: save(round) };
    this.failures.push(failure);
    this.options.log?.(`fuzz.linker: ${kind} at seed ${this.options.seed} round ${round} (${source}): ${message.split('\n')[0] ?? ''} -> ${failure.file}`);
  }

  summary(seconds: number): CampaignSummary {
    return {
      seed: this.options.seed,
      inputs: this.inputs,
      seconds,
      inputsPerSecond: this.inputs / seconds,
      sources: this.sourceNames.length,
      failures: this.failures,
      peakRssBytes: this.peakRssBytes,
      worstMemory: this.worstMemory,
      slowest: this.slowest,
    };
  }
}

/** Runs one child from round `start` until the deadline or a hang; returns the round to go on from. */
function runChild(options: CampaignOptions, start: number, deadline: number, state: CampaignState, save: (round: number) => string): Promise<number> {
  return new Promise((resolve) => {
    const env = { ...process.env, FUZZ_SEED: String(options.seed), FUZZ_START_ROUND: String(start), FUZZ_TREE: options.tree ? '1' : '0' };
    const child: ChildProcess = fork(childPath, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let nextRound = start;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(nextRound);
    };
    const watch = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.fail('hang', nextRound, `no answer within ${ms} ms`, save);
        nextRound++;
        finish();
      }, Math.min(ms, Math.max(deadline - Date.now(), 0) + ms));
    };
    watch(STARTUP_MS);
    child.on('message', (report: RoundReport) => {
      state.take(report, save);
      nextRound = report.round + 1;
      if (Date.now() >= deadline) finish();
      else watch(HANG_MS);
    });
    child.on('exit', (code, signal) => {
      if (!finished && signal !== 'SIGKILL') state.fail('crash', nextRound, `the process ended (${signal ?? `exit ${String(code)}`}), out of memory or worse`, save);
      if (!finished) nextRound++;
      finish();
    });
  });
}

/** Writes the input of `round` to the corpus (named by its content); returns its path. */
function keep(seed: number, round: number, sources: readonly { readonly name: string; readonly bytes: Uint8Array }[]): string {
  const source = sources[round % sources.length];
  if (source === undefined) return '';
  const bytes = mutate(source.bytes, roundRandom(seed, round));
  // A mutant of a real tree's module is kept on this machine only (*.tree.bin is ignored by git:
  // kernel files are never committed); its .json reproduces it from the tree.
  const fromTree = !fixtureSources().some((fixture) => fixture.name === source.name);
  const name = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  if (!existsSync(corpusDir)) mkdirSync(corpusDir, { recursive: true });
  const file = `${corpusDir}${name}${fromTree ? '.tree' : ''}.bin`;
  writeFileSync(file, bytes);
  writeFileSync(`${corpusDir}${name}.json`, `${JSON.stringify({ seed, round, source: source.name })}\n`);
  return file;
}
