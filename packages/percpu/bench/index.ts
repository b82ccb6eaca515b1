// Benchmarks of the per-CPU primitives. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchLocalInc } from './local-inc.js';

for (const line of benchLocalInc()) reportBenchmark(line);
