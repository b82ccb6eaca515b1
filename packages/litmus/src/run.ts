import { formatFtrace, runScenario, scheduleModelMismatch, type TraceEvent } from '@kmodsim/cpu';
import { explore, formatColumns, type ExploreTarget, type SearchCounts, type Violation } from '@kmodsim/explore';
import type { LitmusTest } from './ast.js';
import { compileLitmus, WITNESS_MESSAGE, type CompiledLitmus } from './compile.js';
import type { FinalState } from './condition.js';
import type { LitmusError } from './errors.js';
import { findModel, type ModelError } from './models/registry.js';
import { parseLitmus } from './parse-test.js';
import { checkNames } from './validate.js';

/**
 * A litmus program is a few steps per process, so no bound on preemptions may hide an outcome:
 * an execution switches CPUs at most once per step, and none takes anywhere near this many.
 */
export const LITMUS_PREEMPTION_BOUND = 1_000_000;

/** Why a schedule cannot be replayed: it does not parse or fit the test, or (`needs`) it has choices only a weaker model makes. */
export interface ScheduleError {
  readonly kind: 'schedule';
  readonly message: string;
  /** The model the schedule needs, when the one asked for never makes one of its choices (a flush `f1`, a load of an older value `s1`). */
  readonly needs?: 'tso' | 'relaxed';
}

export interface LitmusOptions {
  /** 'sc', 'tso' or 'relaxed' (see `memoryModels`); 'sc' when omitted. */
  readonly model?: string;
  /** A cap on executions (the explorer's default when omitted); a search that reaches it answers 'Unknown'. */
  readonly maxExecutions?: number;
}

export interface LitmusWitness {
  /** Replays the execution exactly with `replayLitmus` (or `kmodsim litmus FILE --schedule`). */
  readonly schedule: string;
  readonly finalState: FinalState;
  /** The final state as herd7 prints one: `0:r0=0; 1:r0=0; x=1; y=1;` */
  readonly stateText: string;
  readonly trace: readonly TraceEvent[];
  readonly ftrace: string;
  /** One column per CPU, a row per step after setup. */
  readonly columns: string;
}

export interface LitmusAnswer {
  readonly test: string;
  readonly model: string;
  /**
   * Sometimes: an execution ends in a state the exists clause holds of (the witness); Never: none
   * of every execution explored does; Unknown: the search could not tell (`problem` says why).
   */
  readonly answer: 'Sometimes' | 'Never' | 'Unknown';
  /** What the test's own comment says LKMM answers; for comparison only. */
  readonly documentedResult: 'Sometimes' | 'Never' | undefined;
  readonly counts: SearchCounts;
  readonly witness?: LitmusWitness;
  readonly problem?: string;
  /** What was explored, for a caller that wants to replay or describe it itself. */
  readonly target: ExploreTarget;
}

export type LitmusRun = { readonly ok: true; readonly value: LitmusAnswer } | { readonly ok: false; readonly error: LitmusError | ModelError };

/** Parses, compiles and explores a litmus test: is its exists clause reachable under the model? */
export function runLitmus(source: string, options: LitmusOptions = {}): LitmusRun {
  const prepared = prepareLitmus(source, options.model ?? 'sc');
  if (!prepared.ok) return prepared;
  const { test, compiled, model } = prepared.value;
  const report = explore(compiled.target, {
    mode: 'exhaustive',
    preemptions: LITMUS_PREEMPTION_BOUND,
    irqs: 0,
    iterative: false,
    stopAtFirstViolation: true,
    // Sleep sets: no bound binds here (preemptions LITMUS_PREEMPTION_BOUND, no interrupts), and
    // without a binding bound the explorer's sleep sets lose no final state (its
    // test/sleep-sets.test.ts checks IRIW's 15 states among others). IRIW+poonceonces under sc
    // takes 40 executions with them, 6,376 without.
    sleepSets: true,
    ...(options.maxExecutions === undefined ? {} : { maxExecutions: options.maxExecutions }),
  });
  const base = { test: test.name, model, documentedResult: test.documentedResult, counts: report.counts, target: compiled.target };
  const first = report.violations[0];
  if (first !== undefined && isWitness(first)) return { ok: true, value: { ...base, answer: 'Sometimes', witness: witnessOf(compiled, first) } };
  if (first !== undefined) return { ok: true, value: { ...base, answer: 'Unknown', problem: `${first.kind}: ${first.message} (schedule ${first.schedule})` } };
  if (!report.counts.exhausted || report.counts.cut > 0) return { ok: true, value: { ...base, answer: 'Unknown', problem: `the search stopped after ${report.counts.executions} executions without covering them all` } };
  return { ok: true, value: { ...base, answer: 'Never' } };
}

/** Runs one schedule of a litmus test again (a witness's, say) and gives its final state and trace. */
export function replayLitmus(source: string, schedule: string, options: LitmusOptions = {}): { readonly ok: true; readonly value: LitmusWitness & { readonly existsHolds: boolean } } | { readonly ok: false; readonly error: LitmusError | ModelError | ScheduleError } {
  const prepared = prepareLitmus(source, options.model ?? 'sc');
  if (!prepared.ok) return prepared;
  const { compiled } = prepared.value;
  // A flush or an older value's load that this model never makes would only diverge: say which model the schedule needs.
  const mismatch = scheduleModelMismatch(schedule, compiled.target.memoryModel ?? 'sc', compiled.target.cpuCount);
  if (mismatch !== undefined) return { ok: false, error: { kind: 'schedule', message: mismatch.text, needs: mismatch.needs } };
  const run = runScenario(compiled.target.scenario, { cpuCount: compiled.target.cpuCount, memoryModel: compiled.target.memoryModel ?? 'sc', schedule, trace: true });
  if (!run.ok) return { ok: false, error: { kind: 'schedule', message: run.message } };
  const fault = run.value.fault;
  if (fault !== undefined && !fault.message.startsWith(WITNESS_MESSAGE)) return { ok: false, error: { kind: 'schedule', message: `${fault.kind}: ${fault.message}` } };
  const trace = run.value.trace.length > 0 ? run.value.trace : fault?.trace ?? [];
  const finalState = compiled.finalState(run.value.machine);
  const ftrace = formatFtrace(trace, compiled.target.cpuCount);
  const columns = formatColumns(trace, compiled.target.cpuCount, 0);
  return { ok: true, value: { schedule, finalState, stateText: compiled.formatState(finalState), trace, ftrace, columns, existsHolds: fault !== undefined } };
}

function prepareLitmus(source: string, modelName: string): { readonly ok: true; readonly value: { test: LitmusTest; compiled: CompiledLitmus; model: string } } | { readonly ok: false; readonly error: LitmusError | ModelError } {
  const model = findModel(modelName);
  if (!model.ok) return model;
  const parsed = parseLitmus(source);
  if (!parsed.ok) return parsed;
  const names = checkNames(parsed.value);
  if (!names.ok) return names;
  return { ok: true, value: { test: parsed.value, compiled: compileLitmus(parsed.value, names.value, model.value), model: model.value.name } };
}

function isWitness(violation: Violation): boolean {
  return violation.kind === 'invariant' && violation.message.startsWith(WITNESS_MESSAGE);
}

function witnessOf(compiled: CompiledLitmus, violation: Violation): LitmusWitness {
  const run = runScenario(compiled.target.scenario, { cpuCount: compiled.target.cpuCount, memoryModel: compiled.target.memoryModel ?? 'sc', schedule: violation.schedule, trace: true });
  if (!run.ok) throw new Error(`the witness's schedule does not replay: ${run.message}`);
  const trace = run.value.trace.length > 0 ? run.value.trace : run.value.fault?.trace ?? [];
  const finalState = compiled.finalState(run.value.machine);
  return {
    schedule: violation.schedule,
    finalState,
    stateText: compiled.formatState(finalState),
    trace,
    ftrace: formatFtrace(trace, compiled.target.cpuCount),
    columns: formatColumns(trace, compiled.target.cpuCount, violation.setupSteps),
  };
}
