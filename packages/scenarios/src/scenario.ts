import type { FaultKind, Machine, Scenario, ScenarioCheck } from '@kmodsim/cpu';
import type { ModuleCore } from '@kmodsim/module';
import type { ArchLocalFlavour, RefcountStrategy } from '@kmodsim/refcount';
import type { ContractCell } from './contract.js';
import { bootDemoKernel } from './demo/boot.js';

// A scenario of the catalogue: data (its name, CPUs, bounds, what a correct design shows, which
// part of the refcount contract it exercises) and a little generator code that runs on a freshly
// booted embedded kernel under any strategy.

/** How a check searches a scenario: exhaustively within these bounds, unless told otherwise. */
export interface ScenarioBounds {
  readonly preemptions: number;
  readonly irqs: number;
}

export interface CatalogueScenario {
  readonly name: string;
  readonly description: string;
  readonly cpuCount: number;
  /**
   * `checked`: in the suite that `kmodsim-compare check` searches. Its tasks wait only on
   * simulated memory, so that every dependency between them is one the search can see.
   * `demonstration`: a run to watch (`kmodsim scenario run`), whose tasks may pace themselves on
   * host state; checked under random schedules only.
   */
  readonly kind: 'checked' | 'demonstration';
  /** What a correct refcount design gives: no violation, or one of the faults the scenario demonstrates. */
  readonly expected: 'clean' | readonly FaultKind[];
  /**
   * The documented bounds: exhaustive search within them is what a verdict claims. Every sound
   * design passes every checked scenario exhaustively at these bounds, and each known-bad variant
   * is caught at them by the scenarios declared for it.
   */
  readonly bounds: ScenarioBounds;
  /** Whether it relies on `rmmod --wait` sleeping until users leave (see scenarioMismatch). */
  readonly needsWaitingUnload: boolean;
  /** What a design that fails it gets wrong, in a sentence. */
  readonly catches: string;
  /** The cells of the contract table it covers: a method called by another task during a phase. */
  readonly exercises: readonly ContractCell[];
  build(strategy: RefcountStrategy, arch?: ArchLocalFlavour): Scenario;
}

/** The checked scenarios: what `kmodsim-compare check` searches. */
export type SuiteScenario = CatalogueScenario & { readonly kind: 'checked' };

export const DEFAULT_BOUNDS: ScenarioBounds = { preemptions: 2, irqs: 0 };

export type ScenarioBody = (machine: Machine, core: ModuleCore) => ScenarioCheck | undefined;

export interface ScenarioSettings {
  readonly cpuCount: number;
  readonly modules: readonly string[];
  readonly kind?: CatalogueScenario['kind'];
  readonly forceUnload?: boolean;
  readonly expected?: readonly FaultKind[];
  readonly bounds?: ScenarioBounds;
  readonly needsWaitingUnload?: boolean;
  /** Boot a kernel whose modules can be looked up by address (see bootDemoKernel). */
  readonly rcuModuleList?: boolean;
  readonly catches: string;
  readonly exercises: readonly ContractCell[];
}

/** A scenario on the embedded kernel with `modules` loaded at boot. */
export function defineScenario(name: string, description: string, settings: ScenarioSettings, body: ScenarioBody): CatalogueScenario {
  return {
    name,
    description,
    cpuCount: settings.cpuCount,
    kind: settings.kind ?? 'checked',
    expected: settings.expected ?? 'clean',
    bounds: settings.bounds ?? DEFAULT_BOUNDS,
    needsWaitingUnload: settings.needsWaitingUnload ?? false,
    catches: settings.catches,
    exercises: settings.exercises,
    build: (strategy, arch = 'native') => ({
      name,
      description,
      setup: (machine) => body(machine, bootDemoKernel(machine, { strategy, arch, modules: settings.modules, forceUnload: settings.forceUnload ?? false, rcuModuleList: settings.rcuModuleList ?? false })),
    }),
  };
}

/** Why a scenario cannot run under a strategy, or undefined when it can. */
export function scenarioMismatch(scenario: Pick<CatalogueScenario, 'name' | 'needsWaitingUnload'>, strategy: RefcountStrategy): string | undefined {
  if (!scenario.needsWaitingUnload || strategy.waitsForUsers !== false) return undefined;
  return `scenario ${scenario.name} needs an unload that waits for users (rmmod --wait), and strategy ${strategy.name} refuses a module in use instead`;
}
