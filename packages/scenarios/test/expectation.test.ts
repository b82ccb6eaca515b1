import { describe, expect, test } from 'vitest';
import { strategies, type RefcountStrategy } from '@kmodsim/refcount';
import { declarationProblems } from '../src/index.js';

// A strategy's knownViolations come from a user's own JavaScript file: whatever they hold, each
// problem is one line naming it, never a TypeError from reading a field of null.

const base = strategies['global-spinlock'];

function declaring(knownViolations: unknown, extra: Partial<RefcountStrategy> = {}): RefcountStrategy {
  return { ...base, ...extra, name: 'mine', knownViolations } as unknown as RefcountStrategy;
}

const WHY = 'a reason';

describe('declarationProblems', () => {
  test('a well-formed declaration has none', () => {
    expect(declarationProblems(declaring([{ scenario: 'unload-vs-get', kinds: ['use-after-free'], why: WHY }]))).toEqual([]);
    expect(declarationProblems(declaring(undefined))).toEqual([]);
  });

  test.each([
    ['not an array', { scenario: 'unload-vs-get' }, 'mine: knownViolations must be an array of { scenario, kinds, why }, got an object'],
    ['null as an entry', [null], 'mine: knownViolations[0] must be an object { scenario, kinds, why }, got null'],
    ['a string as an entry', ['unload-vs-get'], "mine: knownViolations[0] must be an object { scenario, kinds, why }, got the string 'unload-vs-get'"],
    ['a number as the scenario', [{ scenario: 42, kinds: ['assertion'], why: WHY }], "mine: knownViolations[0].scenario must be a scenario's name, got number 42"],
    ['no scenario', [{ kinds: ['assertion'], why: WHY }], "mine: knownViolations[0].scenario must be a scenario's name, got undefined"],
    ['kinds as a string', [{ scenario: 'unload-vs-get', kinds: 'assertion', why: WHY }], "mine: the known violation in 'unload-vs-get' must list its kinds in an array (one or more of: "],
    ['no kinds', [{ scenario: 'unload-vs-get', kinds: [], why: WHY }], "mine: the known violation in 'unload-vs-get' names no kinds"],
    ['a kind that is not a string', [{ scenario: 'unload-vs-get', kinds: [7], why: WHY }], "mine: unknown violation kind number 7 in 'unload-vs-get'"],
    ['an unknown kind', [{ scenario: 'unload-vs-get', kinds: ['kaboom'], why: WHY }], "mine: unknown violation kind 'kaboom' in 'unload-vs-get'"],
    ['an unknown scenario', [{ scenario: 'unload-vs-gets', kinds: ['assertion'], why: WHY }], "mine declares a known violation in scenario 'unload-vs-gets', which does not exist"],
    ['no why', [{ scenario: 'unload-vs-get', kinds: ['assertion'] }], "mine: the known violation in 'unload-vs-get' says no why"],
  ])('%s: one line naming it', (_what, knownViolations, problem) => {
    const problems = declarationProblems(declaring(knownViolations));
    expect(problems.some((line) => line.startsWith(problem)), problems.join('\n')).toBe(true);
    for (const line of problems) expect(line).not.toContain('\n');
  });

  test('a violation declared in a scenario the strategy cannot run (an N/A pair, never searched) is a problem, and says why', () => {
    const refuses = declaring([{ scenario: 'refused-open-while-waiting', kinds: ['sleeps-forever'], why: WHY }], { waitsForUsers: false });
    expect(declarationProblems(refuses)).toEqual([
      "mine declares a known violation in scenario 'refused-open-while-waiting', which it cannot run (the pair is N/A): scenario refused-open-while-waiting needs an unload that waits for users (rmmod --wait), and strategy mine refuses a module in use instead",
    ]);
    const waits = declaring([{ scenario: 'refused-open-while-waiting', kinds: ['sleeps-forever'], why: WHY }]);
    expect(declarationProblems(waits)).toEqual([]);
  });

  test('every built-in strategy declares only what it can be checked on', () => {
    for (const strategy of Object.values(strategies)) expect(declarationProblems(strategy), strategy.name).toEqual([]);
  });
});
