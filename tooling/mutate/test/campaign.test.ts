import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCampaign, type CampaignOptions } from '../src/campaign.js';
import type { Job } from '../src/jobs.js';
import type { MutantOutcome } from '../src/run.js';

// The campaign's planning, with jobs answered here instead of by the suite: which mutants it
// runs, and which it leaves alone because they are recorded as equivalent.

const packageRoot = fileURLToPath(new URL('../../../packages/refcount', import.meta.url));
const swap = 'strategies/global-spinlock.ts:44:5:swap';
const dropWake = 'strategies/global-spinlock.ts:47:39:drop-wake';

function options(recheckEquivalents: boolean, ran: string[]): CampaignOptions {
  let tick = 0;
  return {
    packageRoot, strategies: ['global-spinlock'], only: [swap, dropWake], scenarioNames: ['wait-vs-last-put'], lanes: 1,
    now: () => tick++, runId: `campaign-test${process.pid}`, equivalents: { [swap]: { mutant: 'put(): swap `yield store(this.counter, left);` with the next statement `if ((yield load(this.cells.live)) === 0) { const waiter = yield loa...`', reason: 'test' } }, recheckEquivalents,
    runJob: (job: Job) => {
      if (job.kind === 'baseline') return Promise.resolve({ scenario: job.scenario, verdict: 'clean', executions: 1, seconds: 0, detail: '' });
      ran.push(job.refs[0]?.url ?? '');
      return Promise.resolve({ status: 'survived', pairsRun: 1, executions: 1, seconds: 0 });
    },
  };
}

describe('a campaign', () => {
  it('does not run a mutant recorded as equivalent, and reports it as such', async () => {
    const ran: string[] = [];
    const result = await runCampaign(options(false, ran));
    expect(result.results.map((entry) => [entry.mutant.id, entry.status])).toEqual([[swap, 'equivalent'], [dropWake, 'survived']]);
    expect(ran).toHaveLength(1);
  });

  it('runs it too when asked to recheck the records', async () => {
    const ran: string[] = [];
    const result = await runCampaign(options(true, ran));
    expect(result.results.map((entry) => entry.status)).toEqual(['survived', 'survived']);
    expect(ran).toHaveLength(2);
  });
});

describe('a campaign with results kept', () => {
  it('keeps each outcome as it finishes, and a later campaign takes them instead of running the mutants again', async () => {
    const kept = new Map<string, MutantOutcome>();
    const resultsCache = { read: () => new Map(kept), add: (id: string, outcome: MutantOutcome) => { kept.set(id, outcome); } };
    const first: string[] = [];
    const firstResult = await runCampaign({ ...options(true, first), resultsCache });
    expect(first).toHaveLength(2);
    expect([...kept.keys()]).toEqual([swap, dropWake]);
    const second: string[] = [];
    const secondResult = await runCampaign({ ...options(true, second), resultsCache });
    expect(second).toHaveLength(0);
    expect(secondResult.results.map((entry) => [entry.mutant.id, entry.status])).toEqual(firstResult.results.map((entry) => [entry.mutant.id, entry.status]));
  });
});
