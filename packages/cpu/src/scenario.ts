import { createMachine, type MachineConfig } from './create-machine.js';
import type { Fault, FaultKind } from './fault.js';
import type { Machine } from './machine.js';
import { ok, type ConfigError, type Result } from './result.js';
import { MemoryTraceSink, type TraceEvent } from './trace.js';

/** A named, documented situation to run on a machine. Setup must be deterministic. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Builds the scenario on a fresh machine; may return a check of the final state. */
  setup(machine: Machine): ScenarioCheck | undefined;
}

/** Looks at the machine after the run; returns a message when an invariant does not hold. */
export type ScenarioCheck = (machine: Machine) => string | undefined;

export interface ScenarioRun {
  readonly scenario: string;
  readonly fault: Fault | undefined;
  readonly steps: number;
  readonly cycles: number;
  /** The short schedule string that reproduces the run (the scheduler's own). */
  readonly schedule: string;
  /** The exact choices made, as a schedule string. */
  readonly choices: string;
  /** The trace: always present for a faulted run; for a clean run only when tracing was asked for. */
  readonly trace: readonly TraceEvent[];
  readonly machine: Machine;
}

export interface RunScenarioOptions extends Omit<MachineConfig, 'trace'> {
  /** Trace the run even when it does not fault. */
  readonly trace?: boolean;
}

/**
 * Runs a scenario on a new machine. A scenario that throws, faults or fails its check returns a
 * fault carrying its trace: when the run was not traced, it is replayed from its recorded
 * choices with tracing on, which reproduces it exactly.
 */
export function runScenario(scenario: Scenario, options: RunScenarioOptions): Result<ScenarioRun, ConfigError> {
  const first = runOnce(scenario, options, options.trace === true ? new MemoryTraceSink() : undefined);
  if (!first.ok) return first;
  const run = first.value;
  if (run.fault === undefined || run.fault.trace.length > 0 || run.steps === 0) return first;
  // A schedule that does not fit is replayed as given: the choices made stop short of its misfit.
  const schedule = run.fault.kind === 'replay-diverged' ? options.schedule : run.fault.choices;
  if (typeof schedule !== 'string') return first;
  const replay = runOnce(scenario, { ...options, schedule }, new MemoryTraceSink());
  if (!replay.ok) return first;
  const again = replay.value.fault;
  if (again?.kind === run.fault.kind && again.step === run.fault.step) {
    return ok({ ...run, fault: { ...run.fault, trace: again.trace }, trace: again.trace });
  }
  const note = ' (replaying it to collect the trace gave a different run: the scenario is not deterministic)';
  return ok({ ...run, fault: { ...run.fault, message: run.fault.message + note } });
}

function runOnce(scenario: Scenario, options: RunScenarioOptions, sink: MemoryTraceSink | undefined): Result<ScenarioRun, ConfigError> {
  const { trace: _trace, ...config } = options;
  const created = createMachine(sink === undefined ? config : { ...config, trace: sink });
  if (!created.ok) return created;
  const machine = created.value;
  let check: ScenarioCheck | undefined;
  try {
    check = scenario.setup(machine);
  } catch (error) {
    machine.reportFault('exception', `scenario ${scenario.name} failed to set up: ${errorText(error)}`);
  }
  const result = machine.run();
  if (result.ok) machine.checkScheduleUsed();
  if (machine.fault === undefined && check !== undefined) applyCheck(machine, check);
  const fault = machine.fault;
  return ok({
    scenario: scenario.name,
    fault,
    steps: machine.stepCount,
    cycles: machine.elapsedCycles,
    schedule: fault?.schedule ?? (result.ok ? result.schedule : ''),
    choices: machine.choiceString(),
    trace: sink?.events ?? [],
    machine,
  });
}

function applyCheck(machine: Machine, check: ScenarioCheck): void {
  let problem: string | undefined;
  let kind: FaultKind = 'assertion';
  try {
    problem = check(machine);
  } catch (error) {
    problem = `the final check threw: ${errorText(error)}`;
    kind = 'exception';
  }
  if (problem !== undefined) machine.reportFault(kind, problem);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
