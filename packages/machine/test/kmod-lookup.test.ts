import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { builtinModinfo, isBuiltinModule, isModuleFile, lookupModule, moduleNameOfArgument } from '../src/index.js';
import { moduleTree } from './kmod-tree.js';

// How a name becomes modules, as libkmod looks it up: modules.dep first, then modules.alias's
// patterns, then modules.builtin; '-' and '_' are one character in names and patterns alike.

const tree = moduleTree({
  dep: 'kernel/net/nf-tables.ko.xz:\nkernel/drivers/char/demo_chardev.ko: kernel/lib/demo_lib.ko\nkernel/lib/demo_lib.ko:\n/abs/elsewhere.ko:\n',
  alias: 'alias char-major-240-* demo_chardev\nalias nfnl-subsys-[0-9] nf_tables\nalias fs-demo? demo_chardev\nalias net-pf-16 no_such_module\n',
  builtin: 'kernel/fs/ext4/ext4.ko\n',
  builtinModinfo: 'ext4.license=GPL\0ext4.description=Fourth Extended Filesystem\0ext4.alias=fs-ext4\0xfs.license=GPL\0',
});

describe('lookupModule', () => {
  test('a name in modules.dep is its module, with - read as _; the path is under the tree unless absolute', () => {
    expect(lookupModule(tree, 'nf-tables')).toEqual([{ kind: 'file', name: 'nf_tables', path: `${tree.moduleDir}/kernel/net/nf-tables.ko.xz` }]);
    expect(lookupModule(tree, 'elsewhere')).toEqual([{ kind: 'file', name: 'elsewhere', path: '/abs/elsewhere.ko' }]);
  });

  test('an alias is matched against the patterns (*, ?, [...]) and names every module whose pattern matches, once each', () => {
    expect(lookupModule(tree, 'char-major-240-7')).toEqual([{ kind: 'file', name: 'demo_chardev', path: `${tree.moduleDir}/kernel/drivers/char/demo_chardev.ko` }]);
    expect(lookupModule(tree, 'nfnl_subsys_3').map((hit) => hit.name)).toEqual(['nf_tables']);
    expect(lookupModule(tree, 'fs-demoX').map((hit) => hit.name)).toEqual(['demo_chardev']);
    expect(lookupModule(tree, 'nfnl-subsys-x')).toEqual([]);
  });

  test('an alias whose module is not in modules.dep finds nothing; a built-in module is found as built-in', () => {
    expect(lookupModule(tree, 'net-pf-16')).toEqual([]);
    expect(lookupModule(tree, 'ext4')).toEqual([{ kind: 'builtin', name: 'ext4' }]);
    expect(isBuiltinModule(tree.moduleDir, 'ext4')).toBe(true);
    expect(isBuiltinModule(tree.moduleDir, 'demo_lib')).toBe(false);
  });

  test('a tree without depmod\'s files finds nothing, and has no built-in info', () => {
    const empty = moduleTree({ dep: '' });
    expect(lookupModule({ ...empty, depmodDir: join(empty.moduleDir, 'missing') }, 'demo_lib')).toEqual([]);
    expect(builtinModinfo(empty.moduleDir, 'ext4')).toBeUndefined();
  });
});

test('builtinModinfo gives a built-in module\'s own key=value pairs from modules.builtin.modinfo', () => {
  expect(builtinModinfo(tree.moduleDir, 'ext4')).toEqual([
    { key: 'license', value: 'GPL' },
    { key: 'description', value: 'Fourth Extended Filesystem' },
    { key: 'alias', value: 'fs-ext4' },
  ]);
});

test('isModuleFile: an existing regular file with a module extension, not a directory or a missing file', () => {
  expect(isModuleFile(join(tree.moduleDir, 'kernel', 'lib', 'demo_lib.ko'))).toBe(true);
  expect(isModuleFile(join(tree.moduleDir, 'kernel', 'lib', 'missing.ko'))).toBe(false);
  expect(isModuleFile(join(tree.moduleDir, 'modules.dep'))).toBe(false);
});

test('moduleNameOfArgument: a file names its module; a path that is none is ENOENT; a name cannot hold spaces', () => {
  expect(moduleNameOfArgument(join(tree.moduleDir, 'kernel', 'net', 'nf-tables.ko.xz'))).toEqual({ ok: true, value: 'nf_tables' });
  expect(moduleNameOfArgument('demo-lib')).toEqual({ ok: true, value: 'demo_lib' });
  expect(moduleNameOfArgument('/no/such.ko')).toMatchObject({ ok: false, errno: 'ENOENT' });
  expect(moduleNameOfArgument('no such')).toMatchObject({ ok: false, errno: 'EINVAL' });
  expect(moduleNameOfArgument('')).toMatchObject({ ok: false, errno: 'EINVAL' });
});
