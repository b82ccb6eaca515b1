import { describe, expect, test } from 'vitest';
import { lineCount, measureSource } from '../src/measure.js';

// What a reader counts: a function from the line it starts on to its closing brace, found by the
// name they would search for.

const SOURCE = `// a leading comment is not the function's
export function outer(): number {
  const inner = (x: number) => {
    return x + 1;
  };
  return inner(1);
}

class Queue {
  private items: number[] = [];
  constructor() {
    this.items = [];
  }
  get size(): number {
    return this.items.length;
  }
  push(item: number): void {
    this.items.push(item);
  }
}

describe.each([1, 2])('a table of %i', (n) => {
  test('one', () => {
    expect(n).toBe(n);
  });
});
const handlers = { onClose() { return 1; } };
`;

describe('measureSource', () => {
  const measured = measureSource('example.ts', SOURCE);
  const size = (name: string): number | undefined => measured.functions.find((fn) => fn.name === name)?.lines;

  test('counts the lines of the file, a final newline adding none', () => {
    expect(measured.lines).toBe(27);
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb')]).toEqual([0, 1, 1, 2]);
  });

  test('finds functions, arrows, constructors, accessors and methods, each named as a reader would look for it', () => {
    expect(measured.functions.map((fn) => fn.name)).toEqual([
      'outer', 'outer > inner', 'Queue.constructor', 'Queue.get size', 'Queue.push',
      "describe.each(…)('a table of %i')", "describe.each(…)('a table of %i') > test('one')", 'onClose',
    ]);
  });

  test('a function runs from its first line to its closing brace, and an inner one counts in the outer too', () => {
    expect(size('outer')).toBe(6);
    expect(size('outer > inner')).toBe(3);
    expect(measured.functions.find((fn) => fn.name === 'outer')?.line).toBe(2);
    expect(size('Queue.push')).toBe(3);
    expect(size("describe.each(…)('a table of %i')")).toBe(5);
    expect(size('onClose')).toBe(1);
  });

  test('reads JavaScript too', () => {
    expect(measureSource('bin/tool.mjs', 'export default function main() {\n  return 0;\n}\n').functions).toEqual([{ name: 'main', line: 1, lines: 3 }]);
  });
});
