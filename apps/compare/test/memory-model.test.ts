import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// check --memory: the same pair judged on a sequentially consistent machine and on x86-TSO. A
// design missing a barrier its handshake needs is clean under sc and caught under tso, with a
// replay command that carries the model and reproduces the fault.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PAIR = ['--strategy', 'percpu-dekker-unordered-put', '--scenario', 'wait-vs-last-put'];

async function compare(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const io = testIo({ cwd: fixtures });
  const code = await main(args, io);
  return { stdout: io.stdoutText(), stderr: io.stderrText(), code };
}

describe('kmodsim-compare check --memory', () => {
  test('a put without its smp_mb() is CLEAN under sc and EXPECTED under tso, and its replay command carries the model', async () => {
    const sc = await compare('check', ...PAIR, '--memory', 'sc');
    expect(sc.code).toBe(0);
    expect(sc.stdout).toMatch(/^percpu-dekker-unordered-put\s+wait-vs-last-put\s+CLEAN/m);
    const tso = await compare('check', ...PAIR, '--memory', 'tso');
    expect(tso.code).toBe(0);
    expect(tso.stdout).toMatch(/^percpu-dekker-unordered-put\s+wait-vs-last-put\s+EXPECTED\s+\d+\s+sleeps-forever/m);
    const replay = /replay: .* check (--strategy .* --memory tso --replay '([^']+)')$/m.exec(tso.stdout);
    expect(replay).not.toBeNull();
    const schedule = replay?.[2] ?? '';
    // A flush of a store buffer is a choice of its own in the schedule.
    expect(schedule).toMatch(/(^|[,:(])f\d/);
    const again = await compare('check', ...PAIR, '--memory', 'tso', '--replay', schedule);
    expect(again.stdout).toMatch(/# sleeps-forever: /);
    expect(again.stdout).toContain('store_visible');
  });

  test('--json lines say the model, and merge refuses shards of one pair run under different models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmodsim-memory-'));
    const shard = async (index: number, memory: string): Promise<string> => (await compare('check', ...PAIR, '--json', '--memory', memory, '--shard', `${index}/2`)).stdout;
    const first = await shard(0, 'sc');
    expect(JSON.parse(first.trim().split('\n')[0] ?? '{}')).toMatchObject({ memory: 'sc' });
    writeFileSync(join(dir, 'a.jsonl'), first);
    writeFileSync(join(dir, 'b.jsonl'), await shard(1, 'tso'));
    const merged = await compare('merge', join(dir, 'a.jsonl'), join(dir, 'b.jsonl'));
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/^kmodsim-compare: .*different settings.*--memory sc in .*a\.jsonl.* but tso in .*b\.jsonl/);
  });

  test.each([
    ['relaxed', "kmodsim-compare: unknown memory model 'relaxed'; known: sc, tso\n"],
    ['', "kmodsim-compare: unknown memory model ''; known: sc, tso\n"],
  ])('--memory %j is a one-line usage error, exit 2', async (memory, message) => {
    const result = await compare('check', ...PAIR, '--memory', memory);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(message);
    expect(result.stdout).toBe('');
  });
});
