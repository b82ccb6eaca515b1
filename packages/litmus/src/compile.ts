import { store, type Machine, type Scenario } from '@kmodsim/cpu';
import type { ExploreTarget } from '@kmodsim/explore';
import type { Condition, LitmusTest } from './ast.js';
import { conditionHolds, formatCondition, formatState, locationName, type FinalState } from './condition.js';
import { execute } from './interpret.js';
import type { MemoryModel } from './models/port.js';
import type { Names } from './validate.js';

/** The start of the final check's message when the exists clause holds: how a witness is told from a fault. */
export const WITNESS_MESSAGE = 'exists clause holds';

/** Where a test's locations and registers are in the machine's memory. */
export interface Layout {
  /** Every shared location's address (its cell). */
  readonly addresses: ReadonlyMap<string, number>;
  /** Each register's cell, by its herd7 name (`0:r0`): each process stores its registers there as it ends. */
  readonly registers: ReadonlyMap<string, number>;
}

export interface CompiledLitmus {
  readonly target: ExploreTarget;
  /** The final state of a machine the scenario ran on: every register, then every shared location. */
  finalState(machine: Machine): FinalState;
  formatState(state: FinalState): string;
}

/**
 * Turns a litmus test into a scenario: each shared location one cell with its initial value,
 * each process Pn a task bound to CPU n running its code through the model's port on the model's machine, and a final
 * check that fails exactly when the exists clause (and the filter, if any) holds, so that the
 * explorer's first violation is a witness.
 */
export function compileLitmus(test: LitmusTest, names: Names, model: MemoryModel): CompiledLitmus {
  let layout: Layout | undefined;
  const scenario: Scenario = {
    name: test.name,
    description: `litmus test ${test.name} under ${model.name}`,
    setup(machine) {
      // Setup is deterministic, so every machine has the same layout; the first one records it.
      const here = allocate(machine, test, names);
      layout ??= here;
      for (const process of test.processes) {
        const cells = (names.registers[process.index] ?? []).map((register) => [register, here.registers.get(`${process.index}:${register}`) ?? -1] as const);
        machine.spawn({ name: `P${process.index}`, cpu: process.index, bound: true, body: function* () {
          const env = { port: model.port, registers: new Map<string, number>(), addresses: here.addresses };
          yield* execute(process.body, env);
          for (const [register, cell] of cells) yield store(cell, env.registers.get(register) ?? 0);
        } });
      }
      return (done) => finalCheck(test, readState(done, here), here);
    },
  };
  const target: ExploreTarget = { scenario, cpuCount: test.processes.length, memoryModel: model.machineModel };
  const pointers = pointerLocations(test);
  return {
    target,
    finalState(machine) {
      if (layout === undefined) throw new Error(`${test.name}: the final state of a machine the scenario was never set up on`);
      return readState(machine, layout);
    },
    formatState: (state) => formatState(state, layout?.addresses ?? new Map(), pointers),
  };
}

function allocate(machine: Machine, test: LitmusTest, names: Names): Layout {
  const addresses = new Map(names.shared.map((name) => [name, machine.alloc(name, 1).base]));
  for (const location of test.initial) {
    const value = location.value.kind === 'number' ? location.value.value : addresses.get(location.value.of) ?? 0;
    machine.write(addresses.get(location.name) ?? -1, value);
  }
  const registers = new Map<string, number>();
  names.registers.forEach((own, index) => {
    if (own.length === 0) return;
    const fields = own.map((register) => `${index}:${register}`);
    const base = machine.alloc(`P${index} registers`, own.length, { fields }).base;
    fields.forEach((field, offset) => registers.set(field, base + offset));
  });
  return { addresses, registers };
}

function readState(machine: Machine, layout: Layout): FinalState {
  return new Map([...layout.registers, ...layout.addresses].map(([name, cell]) => [name, machine.read(cell)]));
}

function finalCheck(test: LitmusTest, state: FinalState, layout: Layout): string | undefined {
  if (test.filter !== undefined && !conditionHolds(test.filter, state, layout.addresses)) return undefined;
  if (!conditionHolds(test.exists, state, layout.addresses)) return undefined;
  return `${WITNESS_MESSAGE}: exists (${formatCondition(test.exists)})`;
}

/** Locations that hold addresses, so that the final state can show them as herd7 does (`1:r0=x`). */
function pointerLocations(test: LitmusTest): ReadonlySet<string> {
  const pointers = new Set<string>();
  for (const location of test.initial) if (location.type.includes('*') || location.value.kind === 'address') pointers.add(location.name);
  for (const process of test.processes) for (const parameter of process.parameters) if (parameter.type.endsWith('**')) pointers.add(parameter.name);
  const visit = (condition: Condition | undefined): void => {
    if (condition === undefined) return;
    if (condition.kind === 'and' || condition.kind === 'or') [condition.left, condition.right].forEach(visit);
    if (condition.kind === 'not') visit(condition.operand);
    if (condition.kind === 'equals' && condition.value.kind === 'address') pointers.add(locationName(condition.location));
  };
  visit(test.exists);
  visit(test.filter);
  return pointers;
}
