import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

// Shards of one search run apart (as jobs of a CI matrix would), each writing `check --json`
// lines to a file, then joined by `merge`: the verdict is the one the whole search gives. The
// commands run in process, through the real `main`; the searches are ones that take a moment.

async function compare(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const io = testIo({ cwd });
  const code = await main(args, io);
  return { stdout: io.stdoutText(), stderr: io.stderrText(), code };
}

// A broken design caught as it declares, a correct one clean, at the scenarios' documented bounds;
// and a pair that cannot be judged (N/A), which each shard carries too.
const SEARCH = ['check', '--strategy', 'percpu-naive-sum', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'wait-vs-last-put', '--json'];
const NOT_APPLICABLE = ['check', '--strategy', 'atomic-bias', '--scenario', 'wait-vs-last-put', '--json'];
let dir = '';

/** What a CI job for one shard writes: the lines of both checks, split the same way. */
async function shardJob(shard: string): Promise<string> {
  const searched = await compare(dir, ...SEARCH, '--shard', shard);
  const notApplicable = await compare(dir, ...NOT_APPLICABLE, '--shard', shard);
  return searched.stdout + notApplicable.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmodsim-merge-'));
  for (const index of [0, 1, 2]) writeFileSync(join(dir, `shard${index}.jsonl`), await shardJob(`${index}/3`));
});

describe('kmodsim-compare merge', () => {
  test('joins the shards into the verdicts of the whole search, with the replay of the violation kept', async () => {
    const searched = await compare(dir, ...SEARCH);
    const notApplicable = await compare(dir, ...NOT_APPLICABLE);
    const merged = await compare(dir, 'merge', '--json', 'shard0.jsonl', 'shard1.jsonl', 'shard2.jsonl');
    // percpu-naive-sum declares the race it has: caught, it is EXPECTED, and the merge exits 0 as check does.
    expect(merged.code).toBe(0);
    expect([searched.code, notApplicable.code]).toEqual([0, 0]);
    type Line = { strategy: string; scenario: string; verdict: string; counts?: { exhausted: boolean }; violation?: { kind: string } | null; replay?: string | null };
    const parse = (text: string): Line[] => text.trim().split('\n').map((line) => JSON.parse(line) as Line);
    const key = (line: Line): string => `${line.strategy} ${line.scenario} ${line.verdict} ${line.violation?.kind ?? ''}`;
    const whole = [...parse(searched.stdout), ...parse(notApplicable.stdout)];
    expect(parse(merged.stdout).map(key).sort()).toEqual(whole.map(key).sort());
    expect(whole.map((line) => line.verdict).sort()).toEqual(['clean', 'clean', 'clean', 'expected', 'n/a']);
    const violation = parse(merged.stdout).find((line) => line.verdict === 'expected');
    expect(violation?.replay).toMatch(/^kmodsim-compare check --strategy percpu-naive-sum --scenario unload-vs-get --replay 'kms1:/);
    expect(parse(merged.stdout).filter((line) => line.verdict === 'clean').every((line) => line.counts?.exhausted === true)).toBe(true);
    const text = await compare(dir, 'merge', 'shard2.jsonl', 'shard0.jsonl', 'shard1.jsonl');
    expect(text.stdout).toMatch(/^percpu-naive-sum\s+unload-vs-get\s+EXPECTED\s+\d+\s+(use-after-free|call-into-freed-code|assertion): .*; known: /m);
    expect(text.stdout).toMatch(/^atomic-bias\s+wait-vs-last-put\s+N\/A/m);
  });

  test('a pair whose search could not run is carried through as ERROR, and fails the merge', async () => {
    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const failed = await compare(fixtures, 'check', '--strategy', './throws-in-tryget.mjs', '--scenario', 'unload-vs-get', '--preemptions', '0', '--json', '--shard', '0/2');
    writeFileSync(join(dir, 'error.jsonl'), failed.stdout);
    const merged = await compare(dir, 'merge', 'error.jsonl');
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^throws-in-tryget\s+unload-vs-get\s+ERROR\s+0 {2}setup of unload-vs-get failed: .*tryGet is not written yet$/m);
  });

  test('bad input: a missing or repeated shard, mixed splits, a line that is not check output, a missing or empty file: exit 2, nothing printed', async () => {
    writeFileSync(join(dir, 'garbage.jsonl'), 'not json\n');
    writeFileSync(join(dir, 'empty.jsonl'), '');
    // The same search split in two instead of three.
    const other = await compare(dir, ...SEARCH, '--shard', '0/2');
    writeFileSync(join(dir, 'half.jsonl'), other.stdout);
    // Shard 1 of the same split, run at another preemption bound.
    const otherBound = await compare(dir, 'check', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--json', '--shard', '1/2', '--preemptions', '1');
    writeFileSync(join(dir, 'other-bound.jsonl'), otherBound.stdout);
    const firstHalf = await compare(dir, 'check', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--json', '--shard', '0/2');
    writeFileSync(join(dir, 'first-half.jsonl'), firstHalf.stdout);
    const cases: [string[], string][] = [
      [['shard0.jsonl', 'shard2.jsonl'], 'shard 1/3 missing'],
      [['shard0.jsonl', 'shard0.jsonl', 'shard1.jsonl', 'shard2.jsonl'], 'shard 0/3 appears twice'],
      [['shard0.jsonl', 'shard1.jsonl', 'shard2.jsonl', 'half.jsonl'], 'shards of different splits'],
      [['first-half.jsonl', 'other-bound.jsonl'], 'global-spinlock on unload-vs-get: its shards were run with different settings, so they are not one search: --preemptions 2 in first-half.jsonl:1 but 1 in other-bound.jsonl:1'],
      [['garbage.jsonl'], "garbage.jsonl:1: not a line of 'kmodsim-compare check --json' output"],
      [['absent.jsonl'], "cannot read 'absent.jsonl': No such file or directory"],
      [['shard0.jsonl', 'shard1.jsonl', 'shard2.jsonl', 'empty.jsonl'], "'empty.jsonl' holds no verdicts"],
      [[], 'no files to merge'],
      [['--quiet', 'shard0.jsonl'], "kmodsim-compare merge: unrecognized option '--quiet'\nTry 'kmodsim-compare merge --help' for more information.\n"],
    ];
    for (const [files, message] of cases) {
      const result = await compare(dir, 'merge', ...files);
      expect(result.code, files.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    }
  });
});
