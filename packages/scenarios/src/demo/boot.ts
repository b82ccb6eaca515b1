import type { Machine } from '@kmodsim/cpu';
import type { ArchLocalFlavour, RefcountStrategy } from '@kmodsim/refcount';
import { ModuleCore } from '@kmodsim/module';
import { demoKernelSymbols, demoModuleLoads } from './loads.js';

export interface DemoKernelOptions {
  readonly strategy: RefcountStrategy;
  readonly arch?: ArchLocalFlavour;
  readonly forceUnload?: boolean;
  /** Demo modules to load at boot, in order (a module after the ones it needs). */
  readonly modules?: readonly string[];
  /** Whether modules can be looked up by address, free_module then waiting for RCU readers (ModuleCoreOptions). */
  readonly rcuModuleList?: boolean;
}

/**
 * Boots the embedded kernel on a fresh machine: the module core with the demo kernel's symbols
 * and one interrupt line, then loads the named demo modules by running insmod tasks to the end.
 * The boot is part of the run, so a schedule string replays it too.
 */
export function bootDemoKernel(machine: Machine, options: DemoKernelOptions): ModuleCore {
  const core = new ModuleCore(machine, {
    strategy: options.strategy,
    arch: options.arch ?? 'native',
    forceUnload: options.forceUnload ?? false,
    kernelSymbols: demoKernelSymbols,
    irqLines: 1,
    rcuModuleList: options.rcuModuleList ?? false,
  });
  const failures: string[] = [];
  for (const name of options.modules ?? []) {
    const load = demoModuleLoads[name];
    if (load === undefined) throw new Error(`no demo module named ${name}`);
    machine.spawn({
      name: 'insmod',
      cpu: 0,
      body: function* (self) {
        const result = yield* core.initModule(self, load);
        if (!result.ok) failures.push(`${name}: ${result.errno} (${result.message})`);
      },
    });
    const run = machine.run();
    if (!run.ok) throw new Error(`booting the demo kernel faulted loading ${name}: ${run.fault.message}`);
  }
  if (failures.length > 0) throw new Error(`demo modules failed to load: ${failures.join('; ')}`);
  return core;
}
