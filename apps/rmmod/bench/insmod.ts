// cli.insmod and cli.history: wall time of the real insmod process loading a small module
// (demo_fs) into the embedded kernel's machine.
// - cli.insmod: on a freshly booted machine, against `node -e 0` timed in the same run (the floor
//   for any Node tool, as cli.lsmod). Goal: ratio <= 3.
// - cli.history: on a machine whose journal holds 1,000 records, against the same insmod on a
//   freshly booted machine. The command loads the machine from machine.state instead of replaying
//   the journal, so its cost no longer grows with history. Goal: ratio <= 1.2.
// Each round copies a prepared machine directory (untimed), so every insmod meets the same machine.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportBenchmark } from '@kmodsim/bench';
import { bootSession, encodeRecord, machineFiles, openMachine, saveImage, type CommandOutcome, type JournalCommand, type JournalRecord } from '@kmodsim/machine';

const RECORDS = 1000;
const ROUNDS = 9;
const bin = (tool: string): string => fileURLToPath(new URL(`../bin/${tool}.js`, import.meta.url));

function run(tool: string, args: readonly string[]): void {
  const ran = spawnSync(process.execPath, [bin(tool), ...args], { encoding: 'utf8' });
  if (ran.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${ran.stderr}`);
}

/**
 * A machine booted on the embedded kernel with `records` commands in its journal: demo_chardev
 * loaded, then holds and releases of it, applied in one session here and written as the journal;
 * then one real command (a hold), which replays them once and saves machine.state.
 */
async function prepare(records: number): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'kmodsim-bench-')), 'machine');
  run('kmodsim', ['boot', '-M', dir]);
  if (records === 0) return dir;
  const opened = openMachine(dir);
  if (!opened.ok) throw new Error(opened.message);
  const { config } = opened.value;
  const session = await bootSession(dir, config, { trace: false });
  if (!session.ok) throw new Error(session.message);
  const journal: JournalRecord[] = [];
  const apply = (command: JournalCommand): CommandOutcome => {
    const record: JournalRecord = { seq: journal.length + 1, wallMs: config.bootWallMs + journal.length, command };
    const applied = session.value.apply(record);
    if (!applied.ok) throw new Error(applied.message);
    journal.push(record);
    return applied.value;
  };
  const lib = join(dir, 'lib/modules/6.1.0-kmodsim/kernel/demo');
  const image = (name: string) => ({ name, file: join(lib, `${name}.ko`), sha256: saveImage(dir, readFileSync(join(lib, `${name}.ko`))) });
  apply({ kind: 'insmod', tool: 'modprobe', images: [image('demo_lib'), image('demo_chardev')], params: [], skipLoaded: true, force: { ignoreVermagic: false, ignoreModversions: false } });
  while (journal.length < records - 1) {
    const held = apply({ kind: 'hold', module: 'demo_chardev', forMs: null });
    if (held.kind === 'hold' && journal.length < records - 1) apply({ kind: 'release', pid: held.pid });
  }
  writeFileSync(machineFiles(dir).journal, journal.map(encodeRecord).join(''));
  run('kmodsim', ['hold', '-M', dir, 'demo_chardev', '--for', '1ms']);
  return dir;
}

/** The best of ROUNDS insmods into copies of `dir`, in ms. */
function bestInsmodMs(dir: string): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const copy = join(mkdtempSync(join(tmpdir(), 'kmodsim-bench-')), 'machine');
    cpSync(dir, copy, { recursive: true });
    const start = process.hrtime.bigint();
    run('insmod', ['-M', copy, join(copy, 'lib/modules/6.1.0-kmodsim/kernel/demo/demo_fs.ko')]);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
    rmSync(copy, { recursive: true, force: true });
  }
  return best;
}

function bestNodeMs(): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const fresh = bestInsmodMs(await prepare(0));
const node = bestNodeMs();
reportBenchmark({ name: 'cli.insmod', value: round(fresh), unit: 'ms', baseline: round(node), ratio: round(fresh / node), goal: 'ratio <= 3', rounds: ROUNDS });
const lived = bestInsmodMs(await prepare(RECORDS));
reportBenchmark({ name: 'cli.history', value: round(lived), unit: 'ms', baseline: round(fresh), ratio: round(lived / fresh), goal: 'ratio <= 1.2', journalRecords: RECORDS, rounds: ROUNDS });
