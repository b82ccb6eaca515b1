import type { BenchmarkLine } from '@kmodsim/bench';
import { createMachine } from '@kmodsim/cpu';
import { createStopMachine, type StopMachineVariant, type StopRound } from '@kmodsim/stop-machine';

// Simulated cycles are exact and deterministic: one run per size gives the figure.

const CPU_COUNTS = [1, 4, 16, 64, 256, 1024] as const;

/** One stop_machine call from CPU 0 of an otherwise idle machine. */
function oneCall(variant: StopMachineVariant, cpuCount: number): StopRound {
  const created = createMachine({ cpuCount, maxSteps: 50_000_000 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const stop = createStopMachine(machine, { variant });
  machine.spawn({ name: 'caller', cpu: 0, body: function* (self) {
    yield* stop.run(self, function* () {
      return 0;
    });
  } });
  const run = machine.run();
  if (!run.ok) throw new Error(`${variant} at ${cpuCount} CPUs: ${run.fault.message}`);
  if (stop.lastRound === undefined) throw new Error(`${variant} at ${cpuCount} CPUs: no round recorded`);
  return stop.lastRound;
}

/** The slope of log(cycles) against log(CPUs) between two sizes: 1 is linear, 2 quadratic. */
function growthExponent(cyclesLow: number, cyclesHigh: number, cpusLow: number, cpusHigh: number): number {
  return Math.log(cyclesHigh / cyclesLow) / Math.log(cpusHigh / cpusLow);
}

/** stop_machine.latency: cycles from call to return, and how long the other CPUs were held. */
export function benchLatency(variant: StopMachineVariant): BenchmarkLine {
  const call: Record<string, number> = {};
  const heldMax: Record<string, number> = {};
  for (const cpuCount of CPU_COUNTS) {
    const round = oneCall(variant, cpuCount);
    call[`cpus${cpuCount}`] = round.callCycles;
    const others = round.stoppedCycles.filter((_, cpu) => cpu !== 0);
    heldMax[`cpus${cpuCount}`] = others.length === 0 ? 0 : Math.max(...others);
  }
  const at1 = call['cpus1'] ?? 1;
  const at1024 = call['cpus1024'] ?? 1;
  const growth: Record<string, number> = {};
  for (let index = 2; index < CPU_COUNTS.length; index++) {
    const low = CPU_COUNTS[index - 1] ?? 1;
    const high = CPU_COUNTS[index] ?? 1;
    growth[`${low}to${high}`] = round2(growthExponent(call[`cpus${low}`] ?? 1, call[`cpus${high}`] ?? 1, low, high));
  }
  return {
    name: 'stop_machine.latency',
    variant,
    value: at1024,
    unit: 'cycles from call to return at 1024 CPUs',
    baseline: at1,
    ratio: round2(at1024 / at1),
    callCycles: call,
    otherCpusHeldMaxCycles: heldMax,
    // 1 = linear in CPUs. Beyond one socket (64 CPUs) each line transfer also gets dearer.
    growthExponent: growth,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
