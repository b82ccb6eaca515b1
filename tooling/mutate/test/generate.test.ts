import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateMutants, mutatedSource } from '../src/generate.js';

const fixture = readFileSync(new URL('./fixtures/fixture-strategy.ts', import.meta.url), 'utf8');

describe('generateMutants', () => {
  const mutants = generateMutants('fixture.ts', fixture);
  const ids = mutants.map((mutant) => mutant.id);

  it('proposes the expected mutants of a small generator method, each with a stable id', () => {
    expect(ids).toEqual([
      'fixture.ts:6:5:swap',
      'fixture.ts:7:5:swap',
      'fixture.ts:8:5:swap',
      'fixture.ts:6:5:drop-preempt',
      'fixture.ts:7:5:drop-delegation',
      'fixture.ts:7:36:plus-one',
      'fixture.ts:7:36:minus-one',
      'fixture.ts:7:36:flip-sign',
      'fixture.ts:8:9:negate',
      'fixture.ts:8:32:plus-one',
      'fixture.ts:8:32:minus-one',
      'fixture.ts:8:35:drop-wake',
      'fixture.ts:14:5:drop-wait-loop',
      'fixture.ts:15:7:swap',
      'fixture.ts:16:7:swap',
      'fixture.ts:15:7:drop-state',
      'fixture.ts:16:7:invert',
      'fixture.ts:17:7:drop-op',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('drops a preempt_disable together with its preempt_enable', () => {
    const mutant = mutants.find((entry) => entry.operator === 'drop-preempt');
    const text = mutatedSource(fixture, mutant!);
    expect(text).not.toContain('preemptDisable');
    expect(text).not.toContain('preemptEnable');
    expect(text).toContain('yield* this.localAdd(self.cpu, -1);');
  });

  it('inverts a negated test by removing the negation, and turns a delta around', () => {
    expect(mutatedSource(fixture, mutants.find((entry) => entry.id === 'fixture.ts:16:7:invert')!)).toContain('if ((yield load(COUNT))) break;');
    expect(mutatedSource(fixture, mutants.find((entry) => entry.id === 'fixture.ts:7:36:flip-sign')!)).toContain('this.localAdd(self.cpu, 1)');
  });

  it('leaves the flawed variants\' branches, the constructor and the types alone', () => {
    expect(mutants.some((mutant) => mutant.line === 3 || mutant.line === 13)).toBe(false);
    expect(mutants.every((mutant) => !mutant.description.includes('Generator<'))).toBe(true);
  });
});
