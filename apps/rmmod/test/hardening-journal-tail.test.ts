import { linkSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtures, newMachineDir, tool } from './machine-harness.js';

// The journal is the machine's record of acknowledged commands: a read-only command never
// writes it, a file with another name (a hard link) is refused, and what a crash cannot leave
// after the last newline is damage, reported, never cut away.

async function bootedWithModule(): Promise<{ dir: string; t: ReturnType<typeof tool> }> {
  const dir = newMachineDir();
  const t = tool(dir);
  expect((await t.run('kmodsim', ['boot'])).status).toBe(0);
  expect((await t.run('insmod', [join(fixtures, 'demo_lib.ko')])).status).toBe(0);
  return { dir, t };
}

describe('the journal is never cut or written by what is not its own', () => {
  test('a hard-linked journal is refused, and its other name is neither truncated nor appended to', async () => {
    const { dir, t } = await bootedWithModule();
    const notes = join(dir, 'n.txt');
    writeFileSync(notes, 'my notes');
    unlinkSync(join(dir, 'journal'));
    linkSync(notes, join(dir, 'journal'));
    for (const [bin, args] of [['lsmod', []], ['insmod', [join(fixtures, 'demo_chardev.ko')]]] as const) {
      const ran = await t.run(bin, args);
      expect([bin, ran.status]).toEqual([bin, 1]);
      expect(ran.stderr).toMatch(/is damaged: journal: it has 2 hard links, and kmodsim does not share a machine's own files with other names/);
    }
    expect(readFileSync(notes, 'utf8')).toBe('my notes');
  });

  test('lsmod leaves a torn tail where it is; the next command that records drops it', async () => {
    const { dir, t } = await bootedWithModule();
    const journal = join(dir, 'journal');
    appendFileSync(journal, '0123abcd {"seq":2,"wa');
    const size = statSync(journal).size;
    expect((await t.run('lsmod', [])).status).toBe(0);
    expect(statSync(journal).size).toBe(size);
    expect((await t.run('insmod', [join(fixtures, 'demo_chardev.ko')])).status).toBe(0);
    expect(readFileSync(journal, 'utf8').split('\n').slice(0, -1)).toHaveLength(2);
  });

  test('a last record whose newline was changed is damage: the acknowledged command is kept', async () => {
    const { dir, t } = await bootedWithModule();
    const journal = join(dir, 'journal');
    const before = readFileSync(journal);
    const flipped = Buffer.from(before);
    flipped[flipped.length - 1] = 0x0b;
    writeFileSync(journal, flipped);
    const ran = await t.run('lsmod', []);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/is damaged: journal: line 1: a whole record without its newline/);
    expect(readFileSync(journal)).toEqual(flipped);
  });

  test('a tail longer than a record, or a journal shorter than machine.state recorded, is damage', async () => {
    const { dir, t } = await bootedWithModule();
    const journal = join(dir, 'journal');
    const size = statSync(journal).size;
    appendFileSync(journal, 'x'.repeat(1024 * 1024 + 10));
    const long = await t.run('lsmod', []);
    expect(long.stderr).toMatch(/is damaged: journal: line 2: no newline, and longer than the 1048576-byte limit on a record/);
    expect(statSync(journal).size).toBe(size + 1024 * 1024 + 10);
    truncateSync(journal, size - 5);
    const cut = await t.run('insmod', [join(fixtures, 'demo_chardev.ko')]);
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(new RegExp(`is damaged: journal: it is ${size - 5} bytes, shorter than the ${size} machine.state recorded`));
    expect(statSync(journal).size).toBe(size - 5);
  });
});
