// Benchmarks of kmodsim-compare's commands. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchCost } from './cost.js';
import { benchReport } from './report.js';

for (const line of [await benchCost(), benchReport()]) reportBenchmark(line);
