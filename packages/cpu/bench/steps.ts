import { comparePaired, type BenchmarkLine } from '@kmodsim/bench';
import { createMachine, load, store, type KernelCode, type Machine, type Operation } from '@kmodsim/cpu';

const OPS_PER_TASK = 50_000;

/** Steps one call of runBare makes: each of its two generators yields OPS_PER_TASK operations. */
export const BARE_STEPS_PER_RUN = 2 * OPS_PER_TASK;

// cpu.steps: two CPUs ping-pong loads and stores on one line, the cost model charging every
// transfer, against two bare generators making the same yields with a loop that performs the
// loads and stores on an array: what the machine costs over the generators it drives.
//
// How it is measured, and why. Each run is a fresh machine of 100,000 steps (10 to 30 ms), and
// runs of the same build used to give 3 M or 7 M steps/s. Three causes, seen with
// `node --trace-opt --trace-deopt --trace-gc` on the built dist:
// - V8 optimizes the step loop only after 3 or 4 runs; the old warm-up was one.
// - A machine's objects take their final shapes (V8 maps) through transitions that V8 holds
//   weakly. A full collection while no machine is alive (here, while the bare loop ran) frees
//   those maps, and with them all the optimized code of the step loop ("weak objects"); the
//   next machines ran unoptimized again for two or three runs. A user's process holds its
//   machine while it works (a CLI command, a search that rewinds one machine), so this
//   benchmark holds the last machine until the next is built: the workload is unchanged (a
//   fresh machine per run, the whole step loop), its steady state is what it measures.
// - The machines running this are shared and busy: bursts of other work halve both rates for
//   whole seconds. So the two loops are timed back to back in each sample and the figure is
//   the median of 31 samples' ratios (comparePaired), with their quartiles beside it.
export function benchSteps(): BenchmarkLine {
  const held: Machine[] = [];
  const measured = comparePaired(() => { held[0] = runMachine(); }, 2 * OPS_PER_TASK, runBare, BARE_STEPS_PER_RUN);
  return {
    name: 'cpu.steps',
    value: Math.round(measured.subjectPerSecond),
    unit: 'ops/s',
    baseline: Math.round(measured.baselinePerSecond),
    ratio: round(measured.ratio),
    ratioQuartiles: measured.ratioQuartiles.map(round),
    samples: measured.samples,
    goal: '>= 0.4 (issue 18)',
    note: 'value and baseline: median rates; ratio: the median of the samples\' ratios, each sample timing both loops back to back',
  };
}

function* pingPong(cell: number): KernelCode<void> {
  for (let i = 0; i < OPS_PER_TASK / 2; i++) {
    const value = yield load(cell);
    yield store(cell, value + 1);
  }
}

function runMachine(): Machine {
  const created = createMachine({ cpuCount: 2 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const cell = machine.alloc('ball', 1).base;
  machine.spawn({ name: 'ping', cpu: 0, bound: true, body: () => pingPong(cell) });
  machine.spawn({ name: 'pong', cpu: 1, bound: true, body: () => pingPong(cell) });
  const result = machine.run();
  if (!result.ok) throw new Error(result.fault.message);
  return machine;
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
