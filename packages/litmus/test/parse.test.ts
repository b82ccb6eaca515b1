import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatLitmusError, parseLitmus, primitiveNames } from '../src/index.js';

const dir = new URL('../litmus-tests/', import.meta.url);
const files = readdirSync(dir).filter((file) => file.endsWith('.litmus')).sort();

describe('the kernel litmus tests vendored in litmus-tests/', () => {
  test('there are at least 30 of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  test.each(files)('%s parses, with its name and its Result: line', (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    const parsed = parseLitmus(source);
    if (!parsed.ok) throw new Error(formatLitmusError(parsed.error, file));
    expect(parsed.value.name).toBe(file.replace(/\.litmus$/, ''));
    expect(parsed.value.documentedResult).toBe(/Result: (Sometimes|Never)/.exec(source)?.[1]);
    expect(parsed.value.processes.map((process) => process.index)).toEqual(parsed.value.processes.map((_, index) => index));
  });
});

const SB = `C SB
{ x=0; y=0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)
`;

describe('the grammar', () => {
  test('C comments, // comments and (* *) comments (nested) are skipped, but (*x in code is C', () => {
    const source = `C t (* (* nested *) *)\n{ int x = 3; int *p = x; } // init\nP0(int *x, int **p) { /* c */ int r0; r0 = READ_ONCE(*x); }\nexists (0:r0=3) (* done *)\n`;
    const parsed = parseLitmus(source);
    expect(parsed.ok && parsed.value.initial.map((location) => [location.name, location.type, location.value])).toEqual([
      ['x', 'int', { kind: 'number', value: 3 }],
      ['p', 'int*', { kind: 'address', of: 'x' }],
    ]);
  });

  test('\\/ binds looser than /\\, ~ tightest, != is a negated =', () => {
    const parsed = parseLitmus(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists (0:r0=0 \\/ ~1:r0=0 /\\ x!=2)'));
    expect(parsed.ok && parsed.value.exists).toMatchObject({ kind: 'or', left: { kind: 'equals' }, right: { kind: 'and', left: { kind: 'not' }, right: { kind: 'not' } } });
  });

  test('locations and filter are read', () => {
    const parsed = parseLitmus(SB.replace('exists', 'locations [x; 1:r0]\nfilter (x=1)\nexists'));
    expect(parsed.ok && parsed.value.locations.map((location) => location.kind)).toEqual(['shared', 'register']);
    expect(parsed.ok && parsed.value.filter?.kind).toBe('equals');
  });
});

describe('bad input: one error value with the line, the column and what was expected', () => {
  test.each([
    ['a missing semicolon', SB.replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, 1)'), 3, 48, "expected ';' after WRITE_ONCE(...), found 'r0'"],
    ['a missing closing parenthesis', SB.replace('READ_ONCE(*y);', 'READ_ONCE(*y;'), 3, 66, "expected ')' to close READ_ONCE(...), found ';'"],
    ['no exists clause', SB.replace(/exists.*\n/, ''), 5, 1, "expected 'exists' to start the final condition, found the end of the file"],
    ['a process out of order', SB.replace('P1(', 'P2('), 4, 1, 'expected P1, found P2: processes are numbered from P0 in order'],
    ['a register never declared', SB.replace('int r0; WRITE_ONCE(*y', 'WRITE_ONCE(*y'), 4, 41, "'r0' is not a register of P1: declare it (int r0;) or store through a pointer (*r0 = ...)"],
    ['an exists naming a register nobody has', SB.replace('1:r0=0)', '1:r9=0)'), 5, 19, "'r9' is not a register of P1"],
    ['not a C test', SB.replace('C SB', 'X86 SB'), 1, 1, "expected 'C' and the test's name on the first line (only C litmus tests are supported), found 'X86'"],
    ['a number past a C int (it would be rounded)', SB.replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, 9007199254740993);'), 3, 45, 'number 9007199254740993 out of range (a C int: -2147483648 to 2147483647)'],
    ['a hexadecimal literal with no digits of its own', SB.replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, 0xZZ);'), 3, 45, "'0xZZ' is not a number (decimal digits, or 0x and hexadecimal digits)"],
    ['one past the largest C int with no minus sign', SB.replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, 2147483648);'), 3, 45, 'number 2147483648 out of range (a C int: -2147483648 to 2147483647)'],
    ['a process number written in hexadecimal in exists', SB.replace('1:r0=0)', '0x1:r0=0)'), 5, 19, "expected a process number such as 0 before ':', found '0x1'"],
    ['READ_ONCE of a pointer rather than a location', SB.replace('READ_ONCE(*y)', 'READ_ONCE(y)'), 3, 64, 'expected a location such as *x as the first argument of READ_ONCE'],
    ['a comment never closed', SB.replace('{ x=0;', '(* open\n{ x=0;'), 2, 1, "comment not closed: expected '*)'"],
  ])('%s', (_what, source, line, column, message) => {
    const parsed = parseLitmus(source);
    expect(parsed.ok ? parsed.value : parsed.error).toMatchObject({ line, column, message });
  });

  test('an unsupported primitive is named, with the list of the supported ones', () => {
    const parsed = parseLitmus(SB.replace('WRITE_ONCE(*x, 1);', 'synchronize_rcu();'));
    expect(parsed.ok ? parsed.value : parsed.error).toMatchObject({ kind: 'unsupported', line: 3, column: 30 });
    const message = parsed.ok ? '' : parsed.error.message;
    expect(message).toBe(`unsupported primitive 'synchronize_rcu'; supported: ${primitiveNames.join(', ')}`);
    expect(primitiveNames).toEqual(expect.arrayContaining(['READ_ONCE', 'WRITE_ONCE', 'smp_mb', 'smp_load_acquire', 'smp_store_release', 'xchg', 'cmpxchg_release', 'atomic_inc', 'atomic_fetch_add_acquire', 'spin_lock', 'spin_is_locked']));
  });

  test('an error prints as FILE:LINE:COLUMN: message', () => {
    const parsed = parseLitmus('C t\n{}\nP0() { smp_mb() }\nexists (true)\n');
    expect(parsed.ok ? '' : formatLitmusError(parsed.error, 't.litmus')).toBe("t.litmus:3:17: expected ';' after smp_mb(...), found '}'");
  });

  test('the smallest C int is written with a minus sign, in code and in the initial state', () => {
    const source = SB.replace('{ x=0; y=0; }', '{ x=-2147483648; y=0; }').replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, -2147483648);');
    const parsed = parseLitmus(source);
    expect(parsed.ok ? '' : parsed.error.message).toBe('');
  });
});
