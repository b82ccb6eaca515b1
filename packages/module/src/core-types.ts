import type { ModuleBehaviour } from './behaviour.js';
import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';
import type { ArchLocalFlavour, RefcountStrategy } from '@kmodsim/refcount';
import type { KernelImage } from './image-link.js';
import type { KernelModule } from './kernel-module.js';
import type { ExportedSymbol } from './module-load.js';

// What the module core is built from and what its system calls take.

export interface ModuleCoreOptions {
  readonly strategy: RefcountStrategy;
  /** How local_t is built on this machine; strategies with per-CPU counters follow it. */
  readonly arch?: ArchLocalFlavour;
  /** CONFIG_MODULE_FORCE_UNLOAD: whether O_TRUNC may force an unload. */
  readonly forceUnload?: boolean;
  /** Symbols the kernel itself exports (vmlinux's part of the symbol table). */
  readonly kernelSymbols?: Iterable<ExportedSymbol>;
  /** Interrupt lines modules may claim with request_irq (each an interrupt source). Default 0. */
  readonly irqLines?: number;
  /** The kernel's own symbol table and configuration, for loading real module images. */
  readonly kernel?: KernelImage;
  /**
   * Modules can be found by an address inside them (__module_address(), as kprobes and ftrace
   * do), so free_module() unlinks a module and waits for an RCU grace period before freeing it.
   * Off by default: RCU's kthreads then take no part in the searches of kernels that never look
   * modules up that way.
   */
  readonly rcuModuleList?: boolean;
  /**
   * Module behaviours by module name, for loading a machine saved to bytes (Machine.rewindFromBytes):
   * a behaviour is code, so the module core writes only that a module had one and finds it here
   * again. The demo kernel's are demoBehaviours.
   */
  readonly behaviours?: Readonly<Record<string, ModuleBehaviour>>;
}

/** delete_module's flags. */
export interface DeleteFlags {
  /** O_NONBLOCK: fail with EWOULDBLOCK instead of waiting for users (kmod always sets it). */
  readonly nonblock: boolean;
  /** O_TRUNC: force the unload, where the kernel allows it. */
  readonly trunc: boolean;
}

/** Who makes the call. */
export interface Caller {
  readonly capSysModule: boolean;
}

export type ModuleEvent = 'COMING' | 'LIVE' | 'GOING';
export type ModuleNotifier = (self: ExecutionContext, event: ModuleEvent, module: KernelModule) => KernelCode<void>;
