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
    // The summary says which machine the verdicts are of, the default's too (no clock here: no time).
    expect(sc.stdout).toMatch(/^1 pair: 1 clean, 0 expected, 0 unexpected, 0 n\/a; \d+ executions under sc\n$/m);
    const tso = await compare('check', ...PAIR, '--memory', 'tso');
    expect(tso.code).toBe(0);
    expect(tso.stdout).toMatch(/^percpu-dekker-unordered-put\s+wait-vs-last-put\s+EXPECTED\s+\d+\s+sleeps-forever/m);
    expect(tso.stdout).toMatch(/^1 pair: 0 clean, 1 expected, 0 unexpected, 0 n\/a; \d+ executions under tso\n$/m);
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

  test('a schedule with store-buffer flushes, replayed without --memory tso, is a one-line usage error naming the fix, before any search', async () => {
    for (const memory of [[], ['--memory', 'sc']]) {
      const result = await compare('check', ...PAIR, ...memory, '--replay', 'kms1:list:0*4,(1,f1)*2,0');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('kmodsim-compare: the schedule has store-buffer flushes (f1), which only a tso or relaxed machine makes: replay it with --memory tso\n');
      expect(result.stdout).toBe('');
    }
    const stale = await compare('check', ...PAIR, '--memory', 'tso', '--replay', 'kms1:list:0*4,1,f1,s0,0');
    expect([stale.code, stale.stderr]).toEqual([2, 'kmodsim-compare: the schedule has loads of older values (s0), which only a relaxed machine makes: replay it with --memory relaxed\n']);
 
    // No model has a CPU 9 on this pair's machine: the replay says what is wrong, not a model that would not help.
    const noSuchCpu = await compare('check', ...PAIR, '--replay', 'kms1:list:0*4,s9,0');
    expect([noSuchCpu.code, noSuchCpu.stderr]).toEqual([2, expect.stringMatching(/^kmodsim-compare: the schedule does not fit this run .*CPU 9 has nothing to do\n$/)]);
  });

  test('a violation a weaker model than sc shows is EXPECTED under relaxed too, and its replay command carries relaxed', async () => {
    const relaxed = await compare('check', ...PAIR, '--memory', 'relaxed');
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toMatch(/^percpu-dekker-unordered-put\s+wait-vs-last-put\s+EXPECTED\s+\d+\s+sleeps-forever/m);
    expect(relaxed.stdout).toMatch(/executions under relaxed\n$/m);
    const replay = /replay: .* check (--strategy .* --memory relaxed --replay '([^']+)')$/m.exec(relaxed.stdout);
    const again = await compare('check', ...PAIR, '--memory', 'relaxed', '--replay', replay?.[2] ?? '');
    expect(again.stdout).toMatch(/# sleeps-forever: /);
  });

  // Its CLEAN under tso (twice sc's executions) is left to the matrix under --memory tso, to keep this test short.
  test('a split-counter sum without its smp_rmb() is CLEAN under sc and EXPECTED under relaxed, and its replay reproduces it', async () => {
    const pair = ['--strategy', 'percpu-split-unordered-sum', '--scenario', 'accept-during-wait'];
    const sc = await compare('check', ...pair, '--memory', 'sc');
    expect(sc.code).toBe(0);
    expect(sc.stdout).toMatch(/^percpu-split-unordered-sum\s+accept-during-wait\s+CLEAN/m);
    const relaxed = await compare('check', ...pair, '--memory', 'relaxed');
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toMatch(/^percpu-split-unordered-sum\s+accept-during-wait\s+EXPECTED\s+\d+\s+(assertion|use-after-free|call-into-freed-code)/m);
    const replay = /replay: .* check (--strategy .* --memory relaxed --replay '([^']+)')$/m.exec(relaxed.stdout);
    const schedule = replay?.[2] ?? '';
    // The unloader's load of an older increment is a choice of its own in the schedule.
    expect(schedule).toMatch(/(^|[,:(])s0/);
    const again = await compare('check', ...pair, '--memory', 'relaxed', '--replay', schedule);
    expect(again.stdout).toMatch(/# (assertion|use-after-free|call-into-freed-code): /);
    expect(again.stdout).toContain("an older value than memory's");
  });

});

describe('the memory model in reports and merge', () => {
  test('the JUnit report and every --json line, N/A and ERROR ones too, name the model; merge keeps it', async () => {
    const junit = await compare('check', ...PAIR, '--memory', 'tso', '--reporter', 'junit', '--preemptions', '0');
    expect(junit.stdout).toMatch(/<testsuite [^>]*>\n\s*<properties><property name="memory" value="tso"\/><\/properties>\n\s*<testcase /);
    const dir = mkdtempSync(join(tmpdir(), 'kmodsim-memory-'));
    const lines = await compare('check', '--strategy', 'atomic-bias', '--strategy', './throws-in-tryget.mjs', '--scenario', 'wait-vs-last-put', '--scenario', 'unload-vs-get', '--memory', 'tso', '--preemptions', '0', '--json');
    const verdicts = lines.stdout.trim().split('\n').map((line) => JSON.parse(line) as { verdict: string; memory: string });
    expect(verdicts.map((line) => line.verdict)).toEqual(['n/a', 'clean', 'error', 'error']);
    expect(verdicts.every((line) => line.memory === 'tso')).toBe(true);
    expect(lines.stderr).toMatch(/executions under tso\n$/);
    writeFileSync(join(dir, 'all.jsonl'), lines.stdout);
    const merged = await compare('merge', '--json', join(dir, 'all.jsonl'));
    expect(merged.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { memory: string }).memory)).toEqual(['tso', 'tso', 'tso', 'tso']);
  });

  test('merge ends with the summary line naming the model, and refuses files of runs under different models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmodsim-memory-'));
    const line = (scenario: string, memory: string): string => `${JSON.stringify({ strategy: 'atomic-bias', scenario, verdict: 'n/a', reason: 'needs rmmod --wait', memory })}\n`;
    writeFileSync(join(dir, 'sc.jsonl'), line('wait-vs-last-put', 'sc'));
    writeFileSync(join(dir, 'tso.jsonl'), line('migrate-put', 'tso'));
    const one = await compare('merge', join(dir, 'tso.jsonl'));
    expect(one.stdout).toMatch(/^1 pair: 0 clean, 0 expected, 0 unexpected, 1 n\/a; 0 executions under tso\n$/m);
    const mixed = await compare('merge', join(dir, 'sc.jsonl'), join(dir, 'tso.jsonl'));
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/^kmodsim-compare: the files hold searches under different memory models \(--memory sc in .*sc\.jsonl:1 but tso in .*tso\.jsonl:1\): merge the shards of one run at a time\n$/);
    expect(mixed.stdout).toBe('');
  });

  test.each([
    ['pso', "kmodsim-compare: unknown memory model 'pso'; known: sc, tso, relaxed\n"],
    ['', "kmodsim-compare: unknown memory model ''; known: sc, tso, relaxed\n"],
  ])('--memory %j is a one-line usage error, exit 2', async (memory, message) => {
    const result = await compare('check', ...PAIR, '--memory', memory);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(message);
    expect(result.stdout).toBe('');
  });

  test('--memory with no value is getopt\'s one line naming the option, exit 2', async () => {
    const result = await compare('check', ...PAIR, '--memory');
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe("kmodsim-compare check: option '--memory' requires an argument\nTry 'kmodsim-compare check --help' for more information.\n");
  });
});
