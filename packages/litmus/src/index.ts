export type { Condition, Expression, FinalLocation, InitialLocation, InitialValue, LitmusTest, Parameter, Process, SourcePosition, Statement } from './ast.js';
export { formatLitmusError, type LitmusError, type LitmusResult } from './errors.js';
export { parseLitmus } from './parse-test.js';
export { primitiveNames } from './primitives.js';
export { findModel, memoryModels, type MemoryModelName, type ModelError } from './models/registry.js';
export type { MemoryModel, MemoryPort } from './models/port.js';
export { formatCondition, type FinalState } from './condition.js';
export { LITMUS_PREEMPTION_BOUND, replayLitmus, runLitmus, type LitmusAnswer, type LitmusOptions, type LitmusRun, type LitmusWitness, type ScheduleError } from './run.js';
