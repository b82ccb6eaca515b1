// linker.exports: linking a module grows with its exports in proportion, not as their square.
// Once each export was looked up with a search over all symbols: 40,000 exports took 4.5 s.
// Timed here (a benchmark, not a test: a loaded machine must not fail a test by being slow) as
// a ratio measured in one run: linking 40,000 exports against linking 4,000. Linear is about 10;
// the quadratic search was about 100.
import { reportBenchmark } from '@kmodsim/bench';
import { bumpAllocator, linkModule, readModuleImage } from '../src/index.js';
import { withManyExports } from '../fuzz/craft.js';
import { EMBEDDED_KERNEL, embeddedKernelSymbols } from '../test/fixtures.js';

const ROUNDS = 5;

function bestLinkMs(exportCount: number): number {
  const image = readModuleImage('crafted.ko', withManyExports(exportCount));
  if (!image.ok) throw new Error(image.message);
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const linked = linkModule(image.value, { resolver: embeddedKernelSymbols(), kernel: EMBEDDED_KERNEL, memory: bumpAllocator() });
    best = Math.min(best, performance.now() - start);
    if (!linked.ok) throw new Error(linked.message);
  }
  return best;
}

const smallMs = bestLinkMs(4_000);
const largeMs = bestLinkMs(40_000);
reportBenchmark({
  name: 'linker.exports',
  value: Math.round(largeMs * 10) / 10,
  unit: 'ms',
  baseline: Math.round(smallMs * 10) / 10,
  ratio: Math.round((largeMs / smallMs) * 10) / 10,
  goal: 'ratio <= 20 (linear is 10; a search per export gave about 100)',
  note: `best of ${ROUNDS}: linking 40,000 exports against 4,000`,
});
