import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) }, env: {}, cwd: '.' } };
}

describe('kmodsim-compare scenarios', () => {
  test('lists every scenario of the catalogue with its kind, bounds and what it catches', async () => {
    const run = io();
    expect(await main(['scenarios'], run.io)).toBe(0);
    const text = run.out.join('');
    expect(text).toMatch(/^SCENARIO\s+KIND\s+CPUS\s+BOUNDS\s+CATCHES$/m);
    expect(text).toMatch(/^module-get-during-wait\s+checked\s+2\s+p2 i0\s+a count summed while references move between CPUs/m);
    expect(text).toMatch(/^wait-for-users\s+demonstration\s+2\s+-\s+/m);
  });

  test('--json gives the contract cells each scenario exercises', async () => {
    const run = io();
    expect(await main(['scenarios', '--json'], run.io)).toBe(0);
    const entries = run.out.join('').trim().split('\n').map((line) => JSON.parse(line) as { name: string; exercises: { method: string; phase: string; context: string }[] });
    expect(entries.find((entry) => entry.name === 'module-get-during-wait')?.exercises).toContainEqual({ method: 'get', phase: 'wait', context: 'preempt-off' });
  });

  test('an unknown argument is a usage error', async () => {
    const run = io();
    expect(await main(['scenarios', '--bogus'], run.io)).toBe(2);
    expect(run.err.join('')).toContain("kmodsim-compare: ERROR: unexpected argument '--bogus'");
  });
});
