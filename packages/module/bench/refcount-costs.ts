import type { BenchmarkLine } from '@kmodsim/bench';
import { createMachine, type Machine } from '@kmodsim/cpu';
import { bootDemoKernel, type KernelModule, type ModuleCore } from '@kmodsim/module';
import { soundStrategies, type RefcountStrategy } from '@kmodsim/refcount';

// Simulated cycles are exact and deterministic, so these figures need no repetition: they are
// what the cost model charges for the operations at each machine size.

const CPU_COUNTS = [1, 4, 64, 1024] as const;
// Few pairs: a contended lock makes every CPU spin through every hand-off, so steps grow with the square of the CPUs.
const PAIRS_PER_CPU = 2;

function bootWith(strategy: RefcountStrategy, cpuCount: number): { machine: Machine; core: ModuleCore; lib: KernelModule } {
  const created = createMachine({ cpuCount, maxSteps: 50_000_000 });
  if (!created.ok) throw new Error(created.error.message);
  const machine = created.value;
  const core = bootDemoKernel(machine, { strategy, modules: ['demo_lib'] });
  const lib = core.find('demo_lib');
  if (lib === undefined) throw new Error('demo_lib did not load');
  return { machine, core, lib };
}

/** Cycles per try_module_get + module_put with every CPU doing the same on one module. */
function cyclesPerGetPut(strategy: RefcountStrategy, cpuCount: number): number {
  const { machine, core, lib } = bootWith(strategy, cpuCount);
  const spent: number[] = [];
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    machine.spawn({ name: `user${cpu}`, cpu, bound: true, body: function* (self) {
      const start = machine.clockOf(self.cpu);
      for (let pair = 0; pair < PAIRS_PER_CPU; pair++) {
        if (yield* core.tryModuleGet(self, lib)) yield* core.modulePut(self, lib);
      }
      spent.push(machine.clockOf(self.cpu) - start);
    } });
  }
  const result = machine.run();
  if (!result.ok) throw new Error(`${strategy.name} at ${cpuCount} CPUs: ${result.fault.message}`);
  return spent.reduce((sum, cycles) => sum + cycles, 0) / spent.length / PAIRS_PER_CPU;
}

/** module.get_put: per strategy, cycles per get+put at 1..1024 CPUs; the ratio is 1024 CPUs against 1. */
export function benchGetPut(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const figures = Object.fromEntries(CPU_COUNTS.map((cpuCount) => [`cpus${cpuCount}`, round(cyclesPerGetPut(strategy, cpuCount))]));
    const at1 = figures['cpus1'] ?? 0;
    const at1024 = figures['cpus1024'] ?? 0;
    return { name: 'module.get_put', value: at1024, unit: 'cycles per get+put at 1024 CPUs', baseline: at1, ratio: round(at1024 / at1), strategy: strategy.name, ...figures, goal: strategy.name === 'percpu-stop-machine' ? '<= 1.1' : 'none (for comparison)' };
  });
}

/** Cycles from delete_module's call to its return, for an unused module, at each machine size. */
function unloadCycles(strategy: RefcountStrategy, cpuCount: number): number {
  const { machine, core } = bootWith(strategy, cpuCount);
  let cycles = 0;
  machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) {
    const start = machine.clockOf(self.cpu);
    const result = yield* core.deleteModule(self, 'demo_lib', { nonblock: true, trunc: false });
    if (!result.ok) throw new Error(`rmmod failed: ${result.errno}`);
    cycles = machine.clockOf(self.cpu) - start;
  } });
  const result = machine.run();
  if (!result.ok) throw new Error(`${strategy.name} unload at ${cpuCount} CPUs: ${result.fault.message}`);
  return cycles;
}

/** module.unload: per strategy, cycles for an unload at 1..1024 CPUs; the ratio is 1024 CPUs against 1. */
export function benchUnload(): BenchmarkLine[] {
  return soundStrategies().map((strategy) => {
    const figures = Object.fromEntries(CPU_COUNTS.map((cpuCount) => [`cpus${cpuCount}`, unloadCycles(strategy, cpuCount)]));
    const at1 = figures['cpus1'] ?? 0;
    const at1024 = figures['cpus1024'] ?? 0;
    return { name: 'module.unload', value: at1024, unit: 'cycles per unload at 1024 CPUs', baseline: at1, ratio: round(at1024 / at1), strategy: strategy.name, ...figures };
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
