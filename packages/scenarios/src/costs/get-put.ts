import { ok } from '@kmodsim/cpu';
import type { RefcountStrategy } from '@kmodsim/refcount';
import { attempt, bootCostMachine, runToEnd, type CostMachineOptions, type CostResult } from './cost-machine.js';

// try_module_get + module_put, the pair every user of a module pays on every open, call or
// packet: the figure the seed's design exists to keep flat as CPUs are added.

export interface GetPutOptions extends CostMachineOptions {
  /** CPUs taking and dropping references, from CPU 0 up; the others stay idle. Default: all. */
  readonly activeCpuCount?: number;
  /** Pairs timed on each active CPU after its first. Default: 1. */
  readonly timedPairs?: number;
}

export interface GetPutCost {
  /** Cycles per pair once each CPU's caches hold what a get and a put touch, over the active CPUs. */
  readonly steadyCycles: number;
  /** Cycles of each CPU's first pair: every CPU fetches the module's lines at once. */
  readonly firstPairCycles: number;
  /**
   * 0..1: the share of the active CPUs' time in the timed pairs that went to cache coherence
   * (lines moved from another CPU's cache, or waited for while in transfer to another).
   */
  readonly coherenceShare: number;
}

/**
 * Every active CPU takes and drops references to one module: one pair to bring the lines it
 * touches into its cache, then the timed pairs. Averaged over the active CPUs, per pair. The
 * figures are the cost model's, exact and the same on every run, so nothing is repeated to
 * smooth them.
 */
export function getPutCost(strategy: RefcountStrategy, options: GetPutOptions): CostResult<GetPutCost> {
  const active = options.activeCpuCount ?? options.cpuCount;
  const timedPairs = options.timedPairs ?? 1;
  if (!Number.isInteger(active) || active < 1 || active > options.cpuCount) throw new RangeError(`activeCpuCount must be 1 to ${options.cpuCount}, got ${active}`);
  if (!Number.isInteger(timedPairs) || timedPairs < 1) throw new RangeError(`timedPairs must be a whole number of at least 1, got ${timedPairs}`);
  const booted = bootCostMachine(strategy, options);
  if (!booted.ok) return booted;
  const { machine, core, module } = booted.value;
  const totals = { first: 0, steady: 0, coherence: 0, refused: 0 };
  const what = `get+put on ${active} of ${options.cpuCount} CPUs`;
  return attempt(strategy, options.cpuCount, what, () => {
    for (let cpu = 0; cpu < active; cpu++) {
      machine.spawn({ name: `user${cpu}`, cpu, bound: true, body: function* (self) {
        const start = machine.clockOf(self.cpu);
        if (yield* core.tryModuleGet(self, module)) yield* core.modulePut(self, module);
        else totals.refused++;
        const warm = machine.clockOf(self.cpu);
        const coherenceWarm = machine.memory.coherenceCyclesOf(self.cpu);
        for (let pair = 0; pair < timedPairs; pair++) {
          if (yield* core.tryModuleGet(self, module)) yield* core.modulePut(self, module);
          else totals.refused++;
        }
        totals.first += warm - start;
        totals.steady += machine.clockOf(self.cpu) - warm;
        totals.coherence += machine.memory.coherenceCyclesOf(self.cpu) - coherenceWarm;
      } });
    }
    const ran = runToEnd(machine, strategy, what);
    if (!ran.ok) return ran;
    // A live module refusing a reference is a broken strategy, and its figure would price nothing.
    if (totals.refused > 0) throw new Error(`try_module_get refused ${totals.refused} references to a live module`);
    return ok({
      steadyCycles: totals.steady / active / timedPairs,
      firstPairCycles: totals.first / active,
      coherenceShare: totals.steady === 0 ? 0 : totals.coherence / totals.steady,
    });
  });
}
