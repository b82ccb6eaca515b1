// Benchmarks of stop_machine. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { STOP_MACHINE_VARIANTS } from '@kmodsim/stop-machine';
import { benchLatency } from './latency.js';

for (const variant of STOP_MACHINE_VARIANTS) reportBenchmark(benchLatency(variant));
