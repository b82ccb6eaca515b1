// Benchmarks of kmodsim-compare's commands. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchCost } from './cost.js';
import { benchMatrix, benchParallel } from './matrix.js';
import { benchOrder } from './order.js';
import { benchReport } from './report.js';

reportBenchmark(await benchCost());
const report = benchReport();
reportBenchmark(report.line);
reportBenchmark(await benchMatrix(report.checks));
reportBenchmark(benchOrder(report.checks));
reportBenchmark(benchParallel());
