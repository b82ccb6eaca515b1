import { describe, expect, it } from 'vitest';
import { mutantProblems, strategyProblem } from '../src/options.js';
import { runMutate } from './run-cli.js';

// A selection that names nothing real is a usage error, not an empty campaign: `--mutant` with a
// typo used to run no mutant and print a perfect score, exit 0.

const swap = 'strategies/global-spinlock.ts:41:5:swap';
const known = [swap, 'strategies/global-spinlock.ts:42:5:swap', 'strategies/global-spinlock.ts:44:39:drop-wake', 'strategies/atomic-bias.ts:31:5:swap'];
const sound = ['global-spinlock', 'atomic-bias'];

describe('the strategies chosen', () => {
  it('are all sound: nothing to say', () => {
    expect(strategyProblem([], sound)).toBeUndefined();
    expect(strategyProblem(['atomic-bias'], sound)).toBeUndefined();
  });

  it('name the ones that are not, with the sound ones', () => {
    expect(strategyProblem(['nope', 'atomic-bias'], sound)).toBe("'nope' is not a sound strategy (sound: global-spinlock, atomic-bias)");
    expect(strategyProblem(['nope', 'x', 'nope'], sound)).toBe("'nope', 'x' are not sound strategies (sound: global-spinlock, atomic-bias)");
  });
});

describe('the mutants chosen', () => {
  it('are all mutants of the selected files: nothing to say', () => {
    expect(mutantProblems([], known)).toEqual([]);
    expect(mutantProblems([swap], known)).toEqual([]);
  });

  it('name an unknown id, and nothing more when no id is close to it', () => {
    expect(mutantProblems(['no-such-id', swap], known)).toEqual(["no mutant 'no-such-id' in the selected strategies' files"]);
  });

  it('suggest the ids close to a mistyped one, nearest first', () => {
    expect(mutantProblems(['strategies/global-spinlock.ts:41:6:swap'], known)).toEqual([
      "no mutant 'strategies/global-spinlock.ts:41:6:swap' in the selected strategies' files; did you mean 'strategies/global-spinlock.ts:41:5:swap' or 'strategies/global-spinlock.ts:42:5:swap'?",
    ]);
    expect(mutantProblems(['global-spinlock.ts:41:5:swap'], known)).toEqual([`no mutant 'global-spinlock.ts:41:5:swap' in the selected strategies' files; did you mean '${swap}'?`]);
  });

  it('a mutant of a file the selection leaves out is unknown too', () => {
    expect(mutantProblems([swap], ['strategies/atomic-bias.ts:31:5:swap'])).toHaveLength(1);
  });
});

describe('kmodsim-mutate (built) with a selection that names nothing', () => {
  it('an unknown strategy: one line naming the sound ones, exit 2, no stack trace', async () => {
    const ran = await runMutate(['--strategy', 'nope', '--list']);
    expect(ran.status).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^kmodsim-mutate: ERROR: 'nope' is not a sound strategy \(sound: [a-z-]+(, [a-z-]+)*\)\n$/);
  });

  it('an unknown mutant: named, exit 2, and no score', async () => {
    const ran = await runMutate(['--quiet', '--strategy', 'global-spinlock', '--mutant', 'no-such-id']);
    expect(ran).toEqual({ status: 2, stdout: '', stderr: "kmodsim-mutate: ERROR: no mutant 'no-such-id' in the selected strategies' files\n" });
  });
});
