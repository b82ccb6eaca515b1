// cli.lsmod: wall time of the real lsmod process on a machine with 100 modules loaded and 1,000
// earlier commands in its journal, against `node -e 0` timed in the same run (the floor for any
// Node tool). The machine is a real module tree's (the Debian tree scripts/fetch-kernel-tree.sh
// fetches); without it the benchmark says so on stderr and prints nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportBenchmark } from '@kmodsim/bench';
import { encodeRecord, machineFiles, readProbeTables, saveImage, type JournalCommand, type JournalRecord, bootMachine, bootSession, refresh } from '@kmodsim/machine';
import { DEFAULT_STRATEGY } from '../src/kmodsim/scenario.js';

const MODULES = 100;
const COMMANDS = 1000;
const ROUNDS = 15;
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const lsmodBin = fileURLToPath(new URL('../bin/lsmod.js', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;

/** Builds the machine: boots on the tree, applies the commands in one session, writes the journal. */
async function buildMachine(treeRoot: string): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'kmodsim-bench-')), 'machine');
  const booted = await bootMachine(dir, { cpuCount: 4, strategy: DEFAULT_STRATEGY, arch: 'native', forceUnload: false, tree: { dir: treeRoot, symvers: join(treeRoot, 'Module.symvers') }, reboot: false }, Date.now());
  if (!booted.ok) throw new Error(`boot failed: ${JSON.stringify(booted)}`);
  const { config, moduleDir } = booted.value;
  const session = await bootSession(dir, config, { trace: false });
  if (!session.ok) throw new Error(session.message);
  const records: JournalRecord[] = [];
  const apply = (command: JournalCommand) => {
    const record: JournalRecord = { seq: records.length + 1, wallMs: config.bootWallMs + records.length, command };
    const applied = session.value.apply(record);
    if (!applied.ok) throw new Error(applied.message);
    records.push(record);
    return applied.value;
  };
  // Modules that need no other module, in modules.dep order; the ones the kernel refuses (a
  // symbol this Module.symvers lacks) count as commands too, as they would on a real machine.
  const standalone = [...readProbeTables({ depmodDir: join(dir, 'depmod'), moduleDir }).deps.values()].filter((entry) => entry.deps.length === 0);
  let loaded = 0;
  const holdable: string[] = [];
  for (const entry of standalone) {
    if (loaded === MODULES) break;
    const sha256 = saveImage(dir, readFileSync(entry.path));
    const outcome = apply({ kind: 'insmod', tool: 'insmod', images: [{ name: entry.name, file: entry.path, sha256 }], params: [], skipLoaded: false, force: { ignoreVermagic: false, ignoreModversions: false } });
    if (outcome.kind === 'insmod' && outcome.results[0]?.result.kind === 'loaded') {
      loaded++;
      holdable.push(entry.name);
    }
  }
  if (loaded < MODULES) throw new Error(`only ${loaded} modules of the tree loaded`);
  for (let index = 0; records.length < COMMANDS; index++) {
    const held = apply({ kind: 'hold', module: holdable[index % holdable.length] ?? '', forMs: null });
    if (held.kind === 'hold' && records.length < COMMANDS) apply({ kind: 'release', pid: held.pid });
  }
  writeFileSync(machineFiles(dir).journal, records.map(encodeRecord).join(''));
  const snapshot = await refresh(dir, Date.now(), () => undefined);
  if (!snapshot.ok) throw new Error(snapshot.message);
  return dir;
}

/** The best of ROUNDS runs, in ms: the run least disturbed by other work on a shared machine. */
function bestMs(args: readonly string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  let best = Infinity;
  let stdout = '';
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const ran = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ran.status !== 0) throw new Error(`${args.join(' ')} failed: ${ran.stderr}`);
    best = Math.min(best, ms);
    stdout = ran.stdout;
  }
  return { ms: best, stdout };
}

if (version === undefined) {
  process.stderr.write('cli.lsmod: no kernel tree in kernel-trees/ (scripts/fetch-kernel-tree.sh fetches it); skipped\n');
} else {
  const dir = await buildMachine(join(treesDir, version));
  const env = { ...process.env, KMODSIM_MACHINE: dir };
  const lsmod = bestMs([lsmodBin], env);
  const rows = lsmod.stdout.trimEnd().split('\n').length - 1;
  if (rows !== MODULES) throw new Error(`lsmod listed ${rows} modules, expected ${MODULES}`);
  const node = bestMs(['-e', '0'], env);
  const round = (value: number): number => Math.round(value * 100) / 100;
  reportBenchmark({
    name: 'cli.lsmod',
    value: round(lsmod.ms),
    unit: 'ms',
    baseline: round(node.ms),
    ratio: round(lsmod.ms / node.ms),
    goal: 'ratio <= 3',
    modules: MODULES,
    journalRecords: COMMANDS,
    rounds: ROUNDS,
  });
}
