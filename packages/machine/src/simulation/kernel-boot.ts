import { readTreeText } from '../kmod/tree-text.js';
import { createMachine, fail, MemoryTraceSink, ok, type Machine, type Result } from '@kmodsim/cpu';
import { KernelSymbolTable, parseModuleSymvers, type KernelConfig } from '@kmodsim/linker';
import { demoBehaviours, ModuleCore } from '@kmodsim/module';
import { findStrategy, strategyNames } from '@kmodsim/refcount';
import type { BootConfig } from '../machine-store/records.js';
import { EMBEDDED_VERMAGIC, symversOf } from './kernel-files.js';

// Boots the simulated machine a directory describes: the SMP machine, and on it the module core
// with the kernel's symbol table (the embedded kernel's Module.symvers or the real tree's).
// The machine's faults kill the faulting task and go on, as a kernel oops does.

/** Generous: a machine lives through every command of its journal, and the bound counts them all. */
const MAX_STEPS = 2_000_000_000;

export interface BootedKernel {
  readonly machine: Machine;
  readonly core: ModuleCore;
  readonly trace: MemoryTraceSink | undefined;
}

export function bootKernel(config: BootConfig, options: { readonly trace: boolean }): Result<BootedKernel> {
  const strategy = findStrategy(config.strategy);
  if (strategy === undefined) return fail('EINVAL', `unknown refcount strategy '${config.strategy}'; known: ${strategyNames().join(', ')}`);
  const trace = options.trace ? new MemoryTraceSink() : undefined;
  const created = createMachine({ cpuCount: config.cpuCount, faultPolicy: 'oops', maxSteps: MAX_STEPS, recordChoices: false, snapshots: true, ...(trace === undefined ? {} : { trace }) });
  if (!created.ok) return created;
  const symversFile = symversOf(config.kernel);
  const symversRead = readTreeText(symversFile);
  if (!symversRead.ok) return fail(symversRead.errno, `cannot read the kernel's symbol table ${symversFile}: ${symversRead.message}`);
  if (symversRead.text === undefined) return fail('ENOENT', `cannot read the kernel's symbol table ${symversFile}: no such file`);
  const symversText = symversRead.text;
  const symvers = parseModuleSymvers(symversFile, symversText);
  // The parser's message says which line; the user also needs to know which file.
  if (!symvers.ok) return fail(symvers.errno, `${symvers.file}: ${symvers.message}`);
  // A kernel exports hundreds of symbols: an empty file is a wrong or truncated one, and a machine
  // booted on it would refuse every module with "Unknown symbol" for no visible reason.
  if (symvers.value.length === 0) return fail('EINVAL', `${symversFile}: no exported symbols in it (is it the kernel's Module.symvers?)`);
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
    // Behaviours are code: a machine loaded from bytes finds the demo modules' again by name.
    ...(config.kernel.kind === 'embedded' ? { behaviours: demoBehaviours } : {}),
    kernel: { symbols: KernelSymbolTable.fromVmlinux({ symvers: symvers.value }), config: kernelConfig, ...signing },
  });
  return ok({ machine: created.value, core, trace });
}
