export { reportBenchmark, measureRate, type BenchmarkLine, type RateMeasurement } from './report.js';
export { comparePaired, type PairedComparison, type PairedOptions } from './paired.js';
