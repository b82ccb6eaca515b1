// linker.depmod: our depmod computation against kmod's depmod on the same real module tree,
// in the same run, warm cache. kmod is timed as a process (`depmod -n`, output discarded); ours
// in-process from the directory walk to the finished file texts, split into phases so the
// report says where the time goes. Prints nothing for the benchmark when the tree or kmod is
// missing, and says so on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportBenchmark } from '@kmodsim/bench';
import { computeDepmod, compressionOf, decompress, moduleNameFromPath, readElf, summarizeModule, type DepmodModule } from '../src/index.js';

const KMOD_DEPMOD = '/usr/sbin/depmod';
const ROUNDS = 5;
const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;

interface Phases {
  walkMs: number;
  readMs: number;
  parseMs: number;
  computeMs: number;
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
  const files = readdirSync(moduleDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ko'));
  const walkMs = lap();
  const images = files.map((relative) => {
    const data = readFileSync(`${moduleDir}/${relative}`);
    return { relative, image: decompress(data, compressionOf(data)) };
  });
  const readMs = lap();
  const modules: DepmodModule[] = images.map(({ relative, image }) => {
    const summary = readElf(relative, image, summarizeModule);
    return { path: relative, file: `${moduleDir}/${relative}`, uncompressedPath: relative, name: moduleNameFromPath(relative), summary: summary.ok ? summary.value : undefined };
  });
  const parseMs = lap();
  const order = readFileSync(`${moduleDir}/modules.order`, 'latin1').split('\n').filter((l) => l !== '');
  computeDepmod({ modules, modulesOrder: order, checkSymvers: false, printUnknown: false });
  return { walkMs, readMs, parseMs, computeMs: lap() };
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
  const total = (p: Phases): number => p.walkMs + p.readMs + p.parseMs + p.computeMs;
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
      phasesMs: { walk: round1(best.walkMs), read: round1(best.readMs), parse: round1(best.parseMs), compute: round1(best.computeMs) },
      note: `best of ${ROUNDS}; ours in-process (walk, read, parse, compute), kmod as a process including its start-up`,
    });
  }
}
