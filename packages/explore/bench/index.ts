// Benchmarks of the explorer. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchDpor, benchFind, benchRate } from './explore-bench.js';

for (const line of [benchRate(), benchDpor(), ...benchFind()]) reportBenchmark(line);
