// linker.depmod: our depmod computation against kmod's depmod on the same real module tree,
// in the same run, warm cache. kmod is timed as a process (`depmod -n`, output discarded); ours
// in-process from the directory walk to the finished file texts, split into phases so the
// report says where the time goes. Prints nothing for the benchmark when the tree or kmod is
// missing, and says so on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, opendirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportBenchmark } from '@kmodsim/bench';
import { computeDepmod, moduleNameFromPath, summarizeModuleFile, type DepmodModule } from '../src/index.js';

const KMOD_DEPMOD = '/usr/sbin/depmod';
const ROUNDS = 5;
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;

interface Phases {
  walkMs: number;
  summarizeMs: number;
  computeMs: number;
}

/** The directory walk as the depmod CLI does it: entries in file-system order, as kmod reads them. */
function walk(moduleDir: string, relativeDir: string, into: string[]): string[] {
  const dir = opendirSync(relativeDir === '' ? moduleDir : `${moduleDir}/${relativeDir}`, { bufferSize: 256 });
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) walk(moduleDir, relative, into);
      else if (entry.name.endsWith('.ko')) into.push(relative);
    }
  } finally {
    dir.closeSync();
  }
  return into;
}

function oursOnce(root: string, ver: string): Phases {
  const moduleDir = `${root}/lib/modules/${ver}`;
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const elapsed = now - mark;
    mark = now;
    return elapsed;
  };
  const files = walk(moduleDir, '', []);
  const walkMs = lap();
  const modules: DepmodModule[] = files.map((relative) => {
    const file = `${moduleDir}/${relative}`;
    const summary = summarizeModuleFile(file);
    return { path: relative, file, uncompressedPath: relative, name: moduleNameFromPath(relative), summary: summary.ok ? summary.value : undefined };
  });
  const summarizeMs = lap();
  const order = readFileSync(`${moduleDir}/modules.order`, 'latin1').split('\n').filter((l) => l !== '');
  computeDepmod({ modules, modulesOrder: order, checkSymvers: false, printUnknown: false });
  return { walkMs, summarizeMs, computeMs: lap() };
}

function kmodOnceMs(root: string, ver: string): number {
  const start = performance.now();
  const result = spawnSync(KMOD_DEPMOD, ['-n', '-b', root, ver], { stdio: ['ignore', 'ignore', 'ignore'] });
  if (result.status !== 0) throw new Error(`kmod depmod exited ${String(result.status)}`);
  return performance.now() - start;
}

if (version === undefined || !existsSync(KMOD_DEPMOD)) {
  process.stderr.write('linker.depmod: skipped (needs scripts/fetch-kernel-tree.sh and kmod installed)\n');
} else {
  const root = `${treesDir}${version}`;
  oursOnce(root, version);
  kmodOnceMs(root, version);
  let best: Phases | undefined;
  let kmodBestMs = Infinity;
  const total = (p: Phases): number => p.walkMs + p.summarizeMs + p.computeMs;
  for (let round = 0; round < ROUNDS; round++) {
    const phases = oursOnce(root, version);
    if (best === undefined || total(phases) < total(best)) best = phases;
    kmodBestMs = Math.min(kmodBestMs, kmodOnceMs(root, version));
  }
  if (best !== undefined) {
    const oursMs = total(best);
    const round1 = (ms: number): number => Math.round(ms * 10) / 10;
    reportBenchmark({
      name: 'linker.depmod',
      value: round1(oursMs),
      unit: 'ms',
      baseline: round1(kmodBestMs),
      ratio: Math.round((oursMs / kmodBestMs) * 100) / 100,
      tree: version,
      goal: 'ratio <= 1.0',
      phasesMs: { walk: round1(best.walkMs), summarize: round1(best.summarizeMs), compute: round1(best.computeMs) },
      note: `best of ${ROUNDS}; ours in-process on one thread (walk, summarize = read + parse, compute), kmod as a process including its start-up`,
    });
  }
}
await import('./many-exports.js');
await import('./fuzz.js');
