import type { BenchmarkLine } from '@kmodsim/bench';
import { createMachine, type Machine, type TraceEvent, type TraceSink } from '@kmodsim/cpu';
import type { KernelModule, ModuleCore } from '@kmodsim/module';
import { bootDemoKernel } from '../src/demo/boot.js';
import { percpuStopMachine, soundStrategies, type RefcountStrategy } from '@kmodsim/refcount';

// Simulated cycles are exact and deterministic, so these figures need no repetition: they are
// what the cost model charges for the operations at each machine size. The seed's design keeps
// the benchmark names (module.get_put, module.unload); every other sound strategy is
// measured the same way for contrast, under the name with its own appended.

const CPU_COUNTS = [1, 4, 64, 1024] as const;
// Few pairs: a contended lock makes every CPU spin through every hand-off, so steps grow with the square of the CPUs.
const TIMED_PAIRS_PER_CPU = 2;

type Figures = Record<string, number>;

function benchName(base: string, strategy: RefcountStrategy): string {
  return strategy.name === percpuStopMachine.name ? base : `${base}.${strategy.name}`;
}

function bootWith(strategy: RefcountStrategy, cpuCount: number, trace?: TraceSink): { machine: Machine; core: ModuleCore; lib: KernelModule } {
  const created = createMachine({ cpuCount, maxSteps: 50_000_000, recordChoices: false, ...(trace === undefined ? {} : { trace }) });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const core = bootDemoKernel(machine, { strategy, modules: ['demo_lib'] });
  const lib = core.find('demo_lib');
  if (lib === undefined) throw new Error('demo_lib did not load');
  return { machine, core, lib };
}

export interface GetPutCost {
  /** Cycles per pair once each CPU's caches hold what a get and a put touch. */
  readonly steadyCycles: number;
  /** Cycles of each CPU's first pair: every CPU fetches the module's lines at once. */
  readonly firstPairCycles: number;
}

/**
 * Every CPU takes and drops references to one module: one pair to bring the lines it touches
 * into its cache, then the timed pairs. Averages over the CPUs, per pair.
 */
export function getPutCost(strategy: RefcountStrategy, cpuCount: number): GetPutCost {
  const { machine, core, lib } = bootWith(strategy, cpuCount);
  let firstTotal = 0;
  let steadyTotal = 0;
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    machine.spawn({ name: `user${cpu}`, cpu, bound: true, body: function* (self) {
      const start = machine.clockOf(self.cpu);
      if (yield* core.tryModuleGet(self, lib)) yield* core.modulePut(self, lib);
      const warm = machine.clockOf(self.cpu);
      for (let pair = 0; pair < TIMED_PAIRS_PER_CPU; pair++) {
        if (yield* core.tryModuleGet(self, lib)) yield* core.modulePut(self, lib);
      }
      firstTotal += warm - start;
      steadyTotal += machine.clockOf(self.cpu) - warm;
    } });
  }
  const result = machine.run();
  if (!result.ok) throw new Error(`${strategy.name} at ${cpuCount} CPUs: ${result.fault.message}`);
  return { steadyCycles: steadyTotal / cpuCount / TIMED_PAIRS_PER_CPU, firstPairCycles: firstTotal / cpuCount };
}

/** module.get_put: cycles per try_module_get + module_put at 1..1024 CPUs; the ratio is 1024 CPUs against 1. */
export function benchGetPut(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const steady: Figures = {};
    const firstPair: Figures = {};
    for (const cpuCount of CPU_COUNTS) {
      const cost = getPutCost(strategy, cpuCount);
      steady[`cpus${cpuCount}`] = round(cost.steadyCycles);
      firstPair[`cpus${cpuCount}`] = round(cost.firstPairCycles);
    }
    return scalingLine('module.get_put', strategy, 'cycles per get+put at 1024 CPUs, every CPU getting and putting the same module', steady, {
      firstPair,
      goal: strategy.name === percpuStopMachine.name ? '<= 1.1' : 'none (for contrast)',
    });
  });
}

/**
 * Watches the trace for stopper threads: how long each CPU was taken by its stopper (it runs
 * nothing else meanwhile) and how long it spun with interrupts off, summed over the unload.
 */
class StopperWatch implements TraceSink {
  readonly stoppedCycles: number[];
  readonly irqsOffCycles: number[];
  private readonly stoppedSince: number[];
  private readonly irqsOffSince: number[];

  constructor(cpuCount: number) {
    this.stoppedCycles = new Array<number>(cpuCount).fill(0);
    this.irqsOffCycles = new Array<number>(cpuCount).fill(0);
    this.stoppedSince = new Array<number>(cpuCount).fill(-1);
    this.irqsOffSince = new Array<number>(cpuCount).fill(-1);
  }

  event(event: TraceEvent): void {
    if (!event.comm.startsWith('migration/')) return;
    const cpu = event.cpu;
    if (event.name === 'sched_switch') {
      if (event.detail.startsWith('next_comm=')) this.stoppedSince[cpu] = event.cycles - event.durationCycles;
      else this.stoppedCycles[cpu] = (this.stoppedCycles[cpu] ?? 0) + event.cycles - (this.stoppedSince[cpu] ?? event.cycles);
    } else if (event.name === 'local_irq_disable') {
      this.irqsOffSince[cpu] = event.cycles;
    } else if (event.name === 'local_irq_enable') {
      this.irqsOffCycles[cpu] = (this.irqsOffCycles[cpu] ?? 0) + event.cycles - (this.irqsOffSince[cpu] ?? event.cycles);
    }
  }
}

export interface UnloadCost {
  /** From delete_module's call to its return, on the unloader's CPU. */
  readonly cycles: number;
  /** Over the CPUs other than the unloader's: the longest any was held by its stopper, and the mean. */
  readonly othersStoppedMax: number;
  readonly othersStoppedMean: number;
  /** The longest any other CPU spun with interrupts off. */
  readonly othersIrqsOffMax: number;
}

/** An unload of an unused module from CPU 0, with every CPU's stopper thread watched. */
export function unloadCost(strategy: RefcountStrategy, cpuCount: number): UnloadCost {
  const watch = new StopperWatch(cpuCount);
  const { machine, core } = bootWith(strategy, cpuCount, watch);
  // Only the unload counts: whatever the stoppers did while the kernel booted is forgotten.
  watch.stoppedCycles.fill(0);
  watch.irqsOffCycles.fill(0);
  let cycles = 0;
  machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
    const start = machine.clockOf(self.cpu);
    const result = yield* core.deleteModule(self, 'demo_lib', { nonblock: true, trunc: false });
    if (!result.ok) throw new Error(`rmmod failed: ${result.errno}`);
    cycles = machine.clockOf(self.cpu) - start;
  } });
  const result = machine.run();
  if (!result.ok) throw new Error(`${strategy.name} unload at ${cpuCount} CPUs: ${result.fault.message}`);
  const others = watch.stoppedCycles.slice(1);
  return {
    cycles,
    othersStoppedMax: Math.max(0, ...others),
    othersStoppedMean: others.length === 0 ? 0 : others.reduce((sum, value) => sum + value, 0) / others.length,
    othersIrqsOffMax: Math.max(0, ...watch.irqsOffCycles.slice(1)),
  };
}

/** module.unload: cycles for an unload at 1..1024 CPUs, and how long the other CPUs were stopped for it. */
export function benchUnload(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const figures: Figures = {};
    const othersStoppedMax: Figures = {};
    const othersStoppedMean: Figures = {};
    const othersIrqsOffMax: Figures = {};
    for (const cpuCount of CPU_COUNTS) {
      const cost = unloadCost(strategy, cpuCount);
      const key = `cpus${cpuCount}`;
      figures[key] = cost.cycles;
      othersStoppedMax[key] = round(cost.othersStoppedMax);
      othersStoppedMean[key] = round(cost.othersStoppedMean);
      othersIrqsOffMax[key] = round(cost.othersIrqsOffMax);
    }
    return scalingLine('module.unload', strategy, 'cycles per unload of an unused module at 1024 CPUs', figures, { othersStoppedMax, othersStoppedMean, othersIrqsOffMax });
  });
}

/** One benchmark line: the figure at 1024 CPUs against the one at 1, with every size's figure beside them. */
function scalingLine(base: string, strategy: RefcountStrategy, unit: string, figures: Figures, extra: Readonly<Record<string, unknown>>): BenchmarkLine {
  const at1 = figures['cpus1'] ?? 0;
  const at1024 = figures['cpus1024'] ?? 0;
  return { name: benchName(base, strategy), value: at1024, unit, baseline: at1, ratio: round(at1024 / at1), strategy: strategy.name, ...figures, ...extra };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
