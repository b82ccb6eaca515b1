import { expect } from 'vitest';
import { createMachine, type Machine, type MachineConfig } from '@kmodsim/cpu';
import { percpuStopMachine, type RefcountStrategy } from '@kmodsim/refcount';
import { ModuleCore, type ModuleLoad } from '@kmodsim/module';

export interface TestKernel {
  readonly machine: Machine;
  readonly core: ModuleCore;
}

export function bootKernel(options: { strategy?: RefcountStrategy; forceUnload?: boolean; machine?: Partial<MachineConfig> } = {}): TestKernel {
  const created = createMachine({ cpuCount: 2, ...options.machine });
  if (!created.ok) expect.fail(created.message);
  const machine = created.value;
  const core = new ModuleCore(machine, {
    strategy: options.strategy ?? percpuStopMachine,
    forceUnload: options.forceUnload ?? false,
    kernelSymbols: [{ name: 'printk', gplOnly: false }, { name: 'register_chrdev', gplOnly: false }, { name: 'kthread_create', gplOnly: true }],
  });
  return { machine, core };
}

export function moduleLoad(name: string, extra: Partial<ModuleLoad> = {}): ModuleLoad {
  return {
    name,
    coreBytes: 16384,
    initBytes: 4096,
    exports: [],
    imports: ['printk'],
    license: 'GPL',
    hasInit: true,
    hasExit: true,
    ...extra,
  };
}
