import { describe, expect, test } from 'vitest';
import { judge, shrinkAllowList, type AllowList, type Measured } from '../src/rules.js';
import { functionKeys, measured } from '../src/workspace.js';

// The limits are 400 lines a file and 80 a function; the allow-list names today's offenders at
// today's sizes, and may only shrink.

function sizes(files: Record<string, number>, functions: Record<string, number> = {}): Measured {
  return { files: new Map(Object.entries(files)), functions: new Map(Object.entries(functions)) };
}

const none: AllowList = { files: {}, functions: {} };

describe('judge', () => {
  test('files and functions within the limits pass', () => {
    expect(judge(sizes({ 'a.ts': 400 }, { 'a.ts: f': 80 }), none)).toEqual({ problems: [], shrunk: [] });
  });

  test('a file over 400 lines or a function over 80 fails when not allowed', () => {
    const { problems } = judge(sizes({ 'a.ts': 401 }, { 'a.ts: f': 81 }), none);
    expect(problems).toEqual([
      'file a.ts: 401 lines, over the limit of 400: split it (the allow-list takes no new entries)',
      'function a.ts: f: 81 lines, over the limit of 80: split it (the allow-list takes no new entries)',
    ]);
  });

  test('an allowed item may stay at its size or shrink, but not grow', () => {
    const allowed: AllowList = { files: { 'big.ts': 500 }, functions: { 'big.ts: long': 120 } };
    expect(judge(sizes({ 'big.ts': 500 }, { 'big.ts: long': 120 }), allowed).problems).toEqual([]);
    const shrank = judge(sizes({ 'big.ts': 450 }, { 'big.ts: long': 120 }), allowed);
    expect(shrank).toEqual({ problems: [], shrunk: ['file big.ts: 450 lines, allowed 500'] });
    expect(judge(sizes({ 'big.ts': 501 }, { 'big.ts: long': 121 }), allowed).problems).toEqual([
      'file big.ts: grew from 500 to 501 lines; it is allowed 500 at most (the limit is 400)',
      'function big.ts: long: grew from 120 to 121 lines; it is allowed 120 at most (the limit is 80)',
    ]);
  });

  test('an allowed item that got within the limit, or is gone, must be taken off the list', () => {
    const allowed: AllowList = { files: { 'big.ts': 500, 'gone.ts': 600 }, functions: { 'big.ts: long': 120 } };
    expect(judge(sizes({ 'big.ts': 400 }, { 'big.ts: long': 80 }), allowed).problems).toEqual([
      'file big.ts: 400 lines, within the limit of 400 now: remove it from tooling/size-check/allow-list.json',
      'file gone.ts: not found any more: remove it from tooling/size-check/allow-list.json',
      'function big.ts: long: 80 lines, within the limit of 80 now: remove it from tooling/size-check/allow-list.json',
    ]);
  });
});

describe('shrinkAllowList', () => {
  test('lowers entries to today\'s sizes and takes off those within the limit or gone, never adding one', () => {
    const allowed: AllowList = { files: { 'big.ts': 500, 'fixed.ts': 450, 'gone.ts': 600 }, functions: { 'big.ts: long': 120 } };
    const now = sizes({ 'big.ts': 480, 'fixed.ts': 300, 'new.ts': 900 }, { 'big.ts: long': 130 });
    expect(shrinkAllowList(now, allowed)).toEqual({ files: { 'big.ts': 480 }, functions: { 'big.ts: long': 120 } });
  });
});

describe('the keys of functions', () => {
  test('a name met twice in one file is told apart by its order', () => {
    const file = { path: 'x.test.ts', lines: 10, functions: [{ name: "test('a')", line: 1, lines: 3 }, { name: "test('a')", line: 5, lines: 4 }] };
    expect([...functionKeys(file)]).toEqual([["x.test.ts: test('a')", 3], ["x.test.ts: test('a') #2", 4]]);
    expect(measured([file]).files.get('x.test.ts')).toBe(10);
  });
});
