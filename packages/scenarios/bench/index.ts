// Benchmarks of the module core's costs under each strategy and of the explorer on the suite.
// Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchDpor, benchFind, benchRate, benchStart } from './explore-bench.js';
import { benchGetPut, benchUnload } from './refcount-costs.js';
import { benchShards } from './shard-bench.js';
import { benchFindWeak, benchTso } from './weak-memory-bench.js';

for (const line of [...benchGetPut(), ...benchUnload(), benchStart(), benchRate(), benchDpor(), benchShards(), ...benchFind(), benchTso(), ...benchFindWeak()]) reportBenchmark(line);
