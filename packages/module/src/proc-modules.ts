import { ModuleState } from '@kmodsim/refcount';
import type { KernelModule } from './kernel-module.js';
import { formatModuleTaint } from './taint.js';

/** What lsmod and /proc/modules show of one module. */
export interface ModuleInfo {
  readonly name: string;
  readonly sizeBytes: number;
  readonly refcount: number;
  /** Modules that use it, as /sys/module/NAME/holders lists them. */
  readonly holders: readonly string[];
  readonly state: 'Live' | 'Loading' | 'Unloading';
  readonly address: bigint;
  /** The module's taints as /proc/modules prints them: "(OE)", or "". */
  readonly taints: string;
  readonly permanent: boolean;
}

export function moduleInfo(module: KernelModule): ModuleInfo {
  const state = module.state;
  return {
    name: module.name,
    sizeBytes: module.sizeBytes,
    refcount: module.refcount?.count() ?? 0,
    holders: [...module.usedBy].map((holder) => holder.name),
    state: state === ModuleState.GOING ? 'Unloading' : state === ModuleState.COMING ? 'Loading' : 'Live',
    address: module.address,
    taints: formatModuleTaint(module.taints),
    permanent: module.permanent,
  };
}

/**
 * /proc/modules: `name size refcount users state address [taints]`, users as "a,b," (each
 * followed by a comma, "[permanent]," for a module that cannot be removed) or "-" when none.
 */
export function formatProcModules(modules: readonly ModuleInfo[]): string {
  return modules.map((module) => `${procModulesLine(module)}\n`).join('');
}

function procModulesLine(module: ModuleInfo): string {
  const users = [...module.holders.map((holder) => `${holder},`), ...(module.permanent ? ['[permanent],'] : [])].join('');
  const address = `0x${module.address.toString(16).padStart(16, '0')}`;
  const taints = module.taints === '' ? '' : ` ${module.taints}`;
  return `${module.name} ${module.sizeBytes} ${module.refcount} ${users === '' ? '-' : users} ${module.state} ${address}${taints}`;
}
