export { reportBenchmark, measureRate, type BenchmarkLine, type RateMeasurement } from './report.js';
