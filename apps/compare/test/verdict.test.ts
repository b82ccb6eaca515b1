import { describe, expect, test } from 'vitest';
import type { ExploreReport, Violation } from '@kmodsim/explore';
import { columnsFor, formatVerdict, isFailure, judge } from '../src/check/verdict.js';

function report(completed: number, cut: number, violation?: Violation): ExploreReport {
  return {
    scenario: 'wait-vs-last-put', cpuCount: 2, memoryModel: 'sc', mode: 'exhaustive', bounds: { preemptions: 0, irqs: 0, steps: 20_000 },
    counts: { executions: completed + cut, completed, pruned: 0, cut, distinctOutcomes: completed > 0 ? 1 : 0, exhausted: true },
    violations: violation === undefined ? [] : [violation],
  };
}

const freed: Violation = {
  kind: 'use-after-free', message: 'access to demo_chardev.live after it was freed', schedule: 'kms1:list:0', steps: 9, preemptions: 1, irqs: 0,
  cpu: 0, comm: 'cat', pid: 5, setupSteps: 3,
};

const columns = columnsFor(['mine'], ['wait-vs-last-put']);
const clean = { kind: 'clean' } as const;
const declared = { kind: 'declared', kinds: ['use-after-free'], why: 'frees before the last put is done' } as const;

describe('a verdict line', () => {
  test('a clean search in which every execution was cut by a bound says that nothing ran to its end, and what to raise', () => {
    const line = formatVerdict(judge('mine', clean, report(0, 34), () => ''), columns);
    expect(line).toMatch(/^mine\s+wait-vs-last-put\s+CLEAN\s+34\s+exhausted/);
    expect(line).toContain('no execution ran to its end (every one was cut by a bound): raise --preemptions or --irqs');
  });

  test('a clean search with executions that ended makes no such remark', () => {
    const line = formatVerdict(judge('mine', clean, report(3, 31), () => ''), columns);
    expect(line).not.toContain('no execution ran to its end');
  });

  test('long names never run into the next column', () => {
    const wide = columnsFor(['a-strategy-with-a-very-long-name-indeed'], ['refused-open-while-waiting']);
    const line = formatVerdict(judge('a-strategy-with-a-very-long-name-indeed', clean, { ...report(3, 0), scenario: 'refused-open-while-waiting' }, () => ''), wide);
    expect(line).toMatch(/^a-strategy-with-a-very-long-name-indeed {2,}refused-open-while-waiting {2,}CLEAN/);
  });
});

describe('what a verdict means', () => {
  test('a violation nobody declared is a surprise; the same one declared is EXPECTED, with its reason', () => {
    const surprise = judge('mine', clean, report(3, 0, freed), (schedule) => `replay ${schedule}`);
    expect(surprise.verdict).toBe('violation');
    expect(isFailure(surprise)).toBe(true);
    const known = judge('mine', declared, report(3, 0, freed), () => '');
    expect(known.verdict).toBe('expected');
    expect(isFailure(known)).toBe(false);
    expect(formatVerdict(known, columns)).toContain('known: frees before the last put is done');
  });

  test('a declared violation that the search did not find is MISSED, a surprise', () => {
    const missed = judge('mine', declared, report(3, 0), () => '');
    expect(missed.verdict).toBe('missed');
    expect(isFailure(missed)).toBe(true);
    expect(formatVerdict(missed, columns)).toContain('expected use-after-free, found none');
  });

  test('a violation of another kind than the one declared is a surprise', () => {
    const other = judge('mine', { ...declared, kinds: ['sleeps-forever'] }, report(3, 0, freed), () => '');
    expect(other.verdict).toBe('violation');
  });
});

describe('a search stopped at the execution cap', () => {
  const capped = (violation?: Violation): ExploreReport => {
    const base = report(5, 0, violation);
    return { ...base, counts: { ...base.counts, exhausted: false } };
  };

  test('that found nothing is INCOMPLETE, a failure, and says it proves nothing and what to raise', () => {
    const verdict = judge('mine', clean, capped(), () => '');
    expect(verdict.verdict).toBe('incomplete');
    expect(isFailure(verdict)).toBe(true);
    const line = formatVerdict(verdict, columns);
    expect(line).toMatch(/^mine\s+wait-vs-last-put\s+INCOMPLETE\s+5\s+stopped at 5 executions before the search was exhausted: no verdict; raise --max-executions/);
    expect(line).not.toContain('CLEAN');
  });

  test('that found nothing where a violation was declared is INCOMPLETE, not MISSED: it may lie past the cap', () => {
    expect(judge('mine', declared, capped(), () => '').verdict).toBe('incomplete');
  });

  test('that found a violation still reports it: what was found stands', () => {
    expect(judge('mine', clean, capped(freed), () => '').verdict).toBe('violation');
    expect(judge('mine', declared, capped(freed), () => '').verdict).toBe('expected');
  });

  test('a random sample, never exhausted, keeps its CLEAN and says it is a sample', () => {
    const sample: ExploreReport = { ...capped(), mode: 'random' };
    const verdict = judge('mine', clean, sample, () => '');
    expect(verdict.verdict).toBe('clean');
    expect(formatVerdict(verdict, columns)).toContain('a sample: nothing proved');
  });
});
