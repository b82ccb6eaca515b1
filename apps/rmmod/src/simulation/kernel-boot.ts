import { readFileSync } from 'node:fs';
import { createMachine, MemoryTraceSink, type Machine } from '@kmodsim/cpu';
import { KernelSymbolTable, parseModuleSymvers, type KernelConfig } from '@kmodsim/linker';
import { ModuleCore, type SigningKey } from '@kmodsim/module';
import { findStrategy, strategyNames } from '@kmodsim/refcount';
import type { BootConfig } from '../machine-store/records.js';
import { EMBEDDED_VERMAGIC, symversOf } from './kernel-files.js';

// Boots the simulated machine a directory describes: the SMP machine, and on it the module core
// with the kernel's symbol table (the embedded kernel's Module.symvers or the real tree's).
// The machine's faults kill the faulting task and go on, as a kernel oops does.

/** Generous: a machine lives through every command of its journal, and the bound counts them all. */
const MAX_STEPS = 2_000_000_000;

/**
 * How the machine's kernel treats module signatures, decided at boot: absent for a kernel built
 * without CONFIG_MODULE_SIG (the embedded kernel, or a tree whose modules are unsigned).
 */
export interface BootSigning {
  /** module.sig_enforce=1 on the kernel command line (kmodsim boot --sig-enforce). */
  readonly enforce: boolean;
  /** The keys on the kernel's built-in keyring: the one the tree's modules were signed with. */
  readonly trustedKeys: readonly SigningKey[];
}

/**
 * The boot configuration with its module signing. machine-store's BootConfig does not name
 * `moduleSigning`; the store writes and reads machine.json's configuration whole (under its
 * checksum), so the field is kept with the rest. Machines booted before it existed have none,
 * and replay as they were booted: without signature checks.
 */
export type SigningBootConfig = BootConfig & { readonly moduleSigning?: BootSigning };

export interface BootedKernel {
  readonly machine: Machine;
  readonly core: ModuleCore;
  readonly trace: MemoryTraceSink | undefined;
}

export function bootKernel(config: SigningBootConfig, options: { readonly trace: boolean }): { ok: true; kernel: BootedKernel } | { ok: false; why: string } {
  const strategy = findStrategy(config.strategy);
  if (strategy === undefined) return { ok: false, why: `unknown refcount strategy '${config.strategy}'; known: ${strategyNames().join(', ')}` };
  const trace = options.trace ? new MemoryTraceSink() : undefined;
  const created = createMachine({ cpuCount: config.cpuCount, faultPolicy: 'oops', maxSteps: MAX_STEPS, recordChoices: false, ...(trace === undefined ? {} : { trace }) });
  if (!created.ok) return { ok: false, why: created.error.message };
  const symversFile = symversOf(config.kernel);
  let symversText: string;
  try {
    symversText = readFileSync(symversFile, 'utf8');
  } catch {
    return { ok: false, why: `cannot read the kernel's symbol table ${symversFile}` };
  }
  const symvers = parseModuleSymvers(symversFile, symversText);
  // The parser's message says which line; the user also needs to know which file.
  if (!symvers.ok) return { ok: false, why: `${symvers.file}: ${symvers.message}` };
  // A kernel exports hundreds of symbols: an empty file is a wrong or truncated one, and a machine
  // booted on it would refuse every module with "Unknown symbol" for no visible reason.
  if (symvers.value.length === 0) return { ok: false, why: `${symversFile}: no exported symbols in it (is it the kernel's Module.symvers?)` };
  const kernelConfig: KernelConfig = {
    vermagic: config.kernel.kind === 'embedded' ? EMBEDDED_VERMAGIC : config.kernel.vermagic,
    modversions: true,
    moduleSig: config.moduleSigning !== undefined,
    forceLoad: false,
  };
  const signing = config.moduleSigning === undefined ? {} : { signing: { enforce: config.moduleSigning.enforce, trustedKeys: config.moduleSigning.trustedKeys } };
  const core = new ModuleCore(created.value, {
    strategy,
    arch: config.arch,
    forceUnload: config.forceUnload,
    irqLines: 1,
    kernel: { symbols: KernelSymbolTable.fromVmlinux({ symvers: symvers.value }), config: kernelConfig, ...signing },
  });
  return { ok: true, kernel: { machine: created.value, core, trace } };
}
