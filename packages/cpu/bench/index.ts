// Benchmarks of the machine itself. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchSteps } from './steps.js';
import { benchScale } from './scale.js';
import { benchSnapshot } from './snapshot.js';

for (const line of [benchSteps(), benchScale(), benchSnapshot()]) reportBenchmark(line);
