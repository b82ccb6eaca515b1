// Benchmarks of the machine itself. Each prints one JSON line (see tooling/bench).
import { reportBenchmark } from '@kmodsim/bench';
import { benchSteps } from './steps.js';
import { benchScale } from './scale.js';

for (const line of [benchSteps(), benchScale()]) reportBenchmark(line);
