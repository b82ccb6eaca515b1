// Benchmarks of the module core. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchGetPut, benchUnload } from './refcount-costs.js';

for (const line of [...benchGetPut(), ...benchUnload()]) reportBenchmark(line);
