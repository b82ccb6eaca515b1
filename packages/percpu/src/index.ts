export { allocPerCpu, definePerCpu, freePerCpu, perCpuPtr, type PerCpuOptions, type PerCpuVar } from './percpu-var.js';
export { getCpu, putCpu, smpProcessorId, thisCpuPtr } from './this-cpu.js';
export { LOCAL_FLAVOURS, isLocalFlavour, localOps, type LocalFlavour, type LocalOps } from './local.js';
export { perCpuSum, perCpuSumNow } from './sum.js';
export { localCounterScenario, racySumScenario, type LocalCounterOptions } from './scenarios.js';
