import { createMachine, fail, ok, type Fault, type Machine, type MemoryModelName, type Result, type Scenario, type ScenarioCheck } from '@kmodsim/cpu';

/** What to check: a scenario and the machine to run it on. */
export interface ExploreTarget {
  readonly scenario: Scenario;
  readonly cpuCount: number;
  /** A machine profile name; 'generic' when omitted. */
  readonly profile?: string;
  /** 'sc' when omitted; under 'tso' each CPU's stores wait in a store buffer and the search chooses when each becomes visible. */
  readonly memoryModel?: MemoryModelName;
}

export interface StartedExecution {
  readonly machine: Machine;
  readonly check: ScenarioCheck | undefined;
}

/** Steps a scenario's own setup may take (booting a kernel, loading modules) before the search starts. */
const SETUP_STEPS = 5_000_000;

/**
 * A fresh machine with the scenario set up (keeping replay logs, with `snapshots`, so that it can be snapshotted). Setup runs under round-robin (it may boot a kernel),
 * so it is the same in every execution; the search explores what comes after. A bad machine or
 * a setup that faults or throws is EINVAL: the target, not the search, is wrong.
 */
export function startExecution(target: ExploreTarget, snapshots = false): Result<StartedExecution> {
  const created = createMachine({ cpuCount: target.cpuCount, profile: target.profile ?? 'generic', memoryModel: target.memoryModel ?? 'sc', schedule: 'kms1:rr', maxSteps: SETUP_STEPS, snapshots });
  if (!created.ok) return created;
  const machine = created.value;
  try {
    const check = target.scenario.setup(machine);
    if (machine.fault !== undefined) return fail('EINVAL', `setup of ${target.scenario.name} faulted: ${machine.fault.message}`);
    // From here a task's fault kills the task and the machine goes on (an oops): the search
    // reports the first one and ends the execution there, and may still look at what the other
    // CPUs would have done next.
    machine.setFaultPolicy('oops');
    return ok({ machine, check });
  } catch (error) {
    return fail('EINVAL', `setup of ${target.scenario.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The search's first fault: the first oops (a task's fault the machine went on after), else the fault that stopped the run. */
export function firstFault(machine: Machine): Fault | undefined {
  return machine.oopses[0] ?? machine.fault;
}
