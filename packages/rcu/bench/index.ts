// Benchmarks of RCU. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchGracePeriod } from './grace-period.js';

for (const kind of ['normal', 'expedited'] as const) reportBenchmark(benchGracePeriod(kind));
