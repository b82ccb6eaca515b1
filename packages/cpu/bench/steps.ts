import { measureRate, type BenchmarkLine } from '@kmodsim/bench';
import { createMachine, load, store, type KernelCode, type Operation } from '@kmodsim/cpu';

const OPS_PER_TASK = 50_000;

/** Steps one call of runBare makes: each of its two generators yields OPS_PER_TASK operations. */
export const BARE_STEPS_PER_RUN = 2 * OPS_PER_TASK;

// cpu.steps: two CPUs ping-pong loads and stores on one line, the cost model charging every
// transfer, against two bare generators making the same yields with a loop that performs the
// loads and stores on an array: what the machine costs over the generators it drives.
export function benchSteps(): BenchmarkLine {
  const machineRate = measureRate(runMachine, 2 * OPS_PER_TASK);
  const bareRate = measureRate(runBare, BARE_STEPS_PER_RUN);
  return {
    name: 'cpu.steps',
    value: Math.round(machineRate.perSecond),
    unit: 'ops/s',
    baseline: Math.round(bareRate.perSecond),
    ratio: round(machineRate.perSecond / bareRate.perSecond),
    goal: '>= 0.33',
  };
}

function* pingPong(cell: number): KernelCode<void> {
  for (let i = 0; i < OPS_PER_TASK / 2; i++) {
    const value = yield load(cell);
    yield store(cell, value + 1);
  }
}

function runMachine(): void {
  const created = createMachine({ cpuCount: 2 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const cell = machine.alloc('ball', 1).base;
  machine.spawn({ name: 'ping', cpu: 0, bound: true, body: () => pingPong(cell) });
  machine.spawn({ name: 'pong', cpu: 1, bound: true, body: () => pingPong(cell) });
  const result = machine.run();
  if (!result.ok) throw new Error(result.fault.message);
}

/**
 * The bare generator loop: the same yields as the machine's run, performed on an array with no
 * cost model, scheduler or checks. Other benchmarks (compare.cost) time it as their baseline too.
 */
export function runBare(): void {
  const memory = [0];
  const tasks = [pingPong(0), pingPong(0)];
  const pending: (Operation | undefined)[] = tasks.map((task) => task.next(0).value ?? undefined);
  let live = tasks.length;
  while (live > 0) {
    for (let index = 0; index < tasks.length; index++) {
      const op = pending[index];
      if (op === undefined) continue;
      let result = 0;
      if (op.code === 0) result = memory[op.cell] ?? 0;
      else if (op.code === 1) memory[op.cell] = op.value;
      const next = tasks[index]!.next(result);
      pending[index] = next.done === true ? undefined : next.value;
      if (next.done === true) live--;
    }
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
