import { mutate, roundRandom } from './mutate.js';
import { runInput } from './run-input.js';
import { embeddedEntry, fixtureSources, realTreeSources } from './sources.js';

// The campaign's worker process: mutates and runs rounds from FUZZ_START_ROUND on, reporting
// each to the parent (which watches for hangs and kills this process when one is found, or
// when the budget is spent). One report per input: its round, time, and the process's peak RSS.

export interface RoundReport {
  readonly round: number;
  readonly source: string;
  readonly ms: number;
  readonly maxRssBytes: number;
  readonly crash?: string;
}

const seed = Number(process.env['FUZZ_SEED'] ?? '1');
const start = Number(process.env['FUZZ_START_ROUND'] ?? '0');
const sources = [...fixtureSources(), ...(process.env['FUZZ_TREE'] === '0' ? [] : realTreeSources())];
const entry = embeddedEntry();
const send = process.send?.bind(process);
if (send === undefined) throw new Error('fuzz/child.ts runs under the campaign (fork), not on its own');

for (let round = start; ; round++) {
  const source = sources[round % sources.length];
  if (source === undefined) throw new Error('no sources');
  const bytes = mutate(source.bytes, roundRandom(seed, round));
  const startMs = performance.now();
  let crash: string | undefined;
  try {
    runInput(bytes, entry);
  } catch (error) {
    crash = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  }
  const report: RoundReport = { round, source: source.name, ms: performance.now() - startMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...(crash === undefined ? {} : { crash }) };
  await new Promise<void>((resolve) => { send(report, () => { resolve(); }); });
}
