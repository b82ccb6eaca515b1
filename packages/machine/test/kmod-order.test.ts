import { describe, expect, test } from 'vitest';
import { probeList, readProbeTables, removeWithDependencies, type ProbeTables, type RemovalStep } from '../src/index.js';
import { moduleTree } from './kmod-tree.js';

// The order modprobe inserts and removes modules in, with their dependencies and softdeps, as
// libkmod's probe list and kmod's rmmod_do_module have it.

// fs needs lib and crc (modules.dep lists the one to load last first); fs has a pre-softdep on
// an alias of helper and a post-softdep on extra; extra needs crc, which fs loaded already.
const tree = moduleTree({
  dep: 'kernel/fs.ko: kernel/crc.ko kernel/lib.ko\nkernel/lib.ko:\nkernel/crc.ko:\nkernel/helper.ko:\nkernel/extra.ko: kernel/crc.ko\nkernel/loop-a.ko:\nkernel/loop-b.ko:\n',
  alias: 'alias helper-* helper\n',
  softdep: 'softdep fs pre: helper-1 post: extra\nsoftdep loop-a post: loop_b\nsoftdep loop_b post: loop-a\n',
});
const tables = readProbeTables(tree);
const file = (name: string): string => `${tree.moduleDir}/kernel/${name}.ko`;
const entry = (tables: ProbeTables, name: string) => {
  const found = tables.deps.get(name);
  if (found === undefined) expect.fail(`${name} is not in modules.dep`);
  return found;
};

describe('readProbeTables', () => {
  test('reads modules.dep (absolute paths, modules.dep\'s order) and modules.softdep (names normalised)', () => {
    expect(entry(tables, 'fs')).toEqual({ name: 'fs', path: file('fs'), deps: [file('crc'), file('lib')] });
    expect(tables.softdeps.get('loop_a')).toEqual({ pre: [], post: ['loop_b'] });
  });

  test('a tree without modules.dep or modules.softdep has nothing to probe', () => {
    const empty = readProbeTables({ moduleDir: tree.moduleDir, depmodDir: `${tree.moduleDir}/nowhere` });
    expect([empty.deps.size, empty.softdeps.size]).toEqual([0, 0]);
  });
});

test('probeList: dependencies last-listed first, pre-softdeps before their module and post-softdeps after, each once', () => {
  // A softdep's own dependency (crc) is listed again though fs's dependencies listed it; inserting it then finds it loaded.
  expect(probeList(tables, entry(tables, 'fs'))).toEqual([file('lib'), file('crc'), file('helper'), file('fs'), file('crc'), file('extra')]);
  expect(probeList(tables, entry(tables, 'loop_a'))).toEqual([file('loop-a'), file('loop-b')]);
});

/** Runs a removal against a machine where `loaded` are loaded; `answers` says how a module's own removal goes (done if unsaid). */
async function removal(name: string, loaded: readonly string[], answers: Readonly<Record<string, RemovalStep>> = {}) {
  const steps: string[] = [];
  const result = await removeWithDependencies(tables, name, {
    isLoaded: (module) => Promise.resolve(loaded.includes(module)),
    remove: (module, dependencies) => {
      steps.push(`${module}${dependencies.length > 0 ? ` then ${dependencies.join(',')}` : ''}`);
      return Promise.resolve(answers[module] ?? 'done');
    },
  });
  return { result, steps };
}

describe('removeWithDependencies', () => {
  test('post-softdeps first, then the module with the dependencies it may leave unused, then pre-softdeps', async () => {
    expect(await removal('fs', ['fs', 'lib', 'crc', 'helper', 'extra'])).toEqual({ result: 'done', steps: ['extra then crc', 'fs then crc,lib', 'helper'] });
  });

  test('a module that is not loaded is nothing to do, nor are its softdeps', async () => {
    expect(await removal('fs', ['extra'])).toEqual({ result: 'done', steps: [] });
    expect(await removal('fs', ['fs'])).toEqual({ result: 'done', steps: ['fs then crc,lib'] });
  });

  test('a softdep that fails is passed over; the module\'s own failure ends it before its pre-softdeps', async () => {
    expect(await removal('fs', ['fs', 'extra', 'helper'], { extra: 'failed' })).toEqual({ result: 'done', steps: ['extra then crc', 'fs then crc,lib', 'helper'] });
    expect(await removal('fs', ['fs', 'helper'], { fs: 'failed' })).toEqual({ result: 'failed', steps: ['fs then crc,lib'] });
  });

  test('a stop at a softdep ends the whole removal there', async () => {
    expect(await removal('fs', ['fs', 'extra', 'helper'], { extra: 'stop' })).toEqual({ result: 'stop', steps: ['extra then crc'] });
  });

  test('a machine that cannot say what is loaded stops the removal', async () => {
    const steps = { isLoaded: () => Promise.resolve(undefined), remove: () => Promise.resolve<RemovalStep>('done') };
    expect(await removeWithDependencies(tables, 'fs', steps)).toBe('stop');
  });

  test('a softdep cycle is walked once, not for ever', async () => {
    expect(await removal('loop_a', ['loop_a', 'loop_b'])).toEqual({ result: 'done', steps: ['loop_b', 'loop_a'] });
  });
});
