import { describe, expect, it } from 'vitest';
import type { CampaignResult, MutantResult } from '../src/campaign.js';
import { score } from '../src/report.js';

function result(id: string, status: MutantResult['status']): MutantResult {
  const [file = '', line = '0', column = '0', operator = ''] = id.split(':');
  return { mutant: { id, file, line: Number(line), column: Number(column), operator, description: id, edits: [] }, strategies: ['global-spinlock'], status };
}

const campaign: CampaignResult = {
  baseline: [],
  results: [result('strategies/a.ts:1:1:swap', 'killed'), result('strategies/a.ts:2:1:swap', 'survived'), result('strategies/a.ts:3:1:swap', 'survived')],
  seconds: 1,
};
const equivalents = {
  'strategies/a.ts:3:1:swap': { mutant: 'strategies/a.ts:3:1:swap', reason: 'the two statements touch disjoint fresh memory' },
  'strategies/a.ts:9:1:swap': { mutant: 'strategies/a.ts:9:1:swap', reason: 'a record of a statement the file no longer has' },
};

describe('suite.mutation', () => {
  it('is killed over run less equivalent, and names records no mutant of a whole campaign matches as stale', () => {
    const whole = score(campaign, equivalents);
    expect(whole.score).toBe(0.5);
    expect(whole.equivalent).toBe(1);
    expect(whole.staleEquivalents).toEqual(['strategies/a.ts:9:1:swap']);
  });

  it('holds a record only for the mutant it was written for: lines moved under it, it is stale, and the mutant now at its id counts as run', () => {
    const moved = { 'strategies/a.ts:2:1:swap': { mutant: 'swap `a` with `b` (a statement two lines up before an edit)', reason: 'the stores touch disjoint memory' } };
    const result = score(campaign, moved, false);
    expect(result.equivalent).toBe(0);
    expect(result.survived).toBe(2);
    expect(result.staleEquivalents).toEqual(['strategies/a.ts:2:1:swap']);
  });

  it('calls no record stale when only some mutants were chosen (--mutant or --limit)', () => {
    expect(score(campaign, equivalents, false).staleEquivalents).toEqual([]);
  });
});
