import type { ExecutionContext, KernelCode } from '@kmodsim/cpu';

/** What a module's code can do with itself while it runs. */
export interface ModuleSelf {
  readonly name: string;
  /** The module's static variables: addresses of the memory its init allocated, by name. */
  readonly variables: Map<string, number>;
  /** The seed's `THIS_MODULE.live = 1`: let references be taken while init still runs. */
  goLive(): KernelCode<void>;
}

/** The context a module's function runs in: the task (or handler) executing it, and the module. */
export interface ModuleContext {
  readonly self: ExecutionContext;
  readonly module: ModuleSelf;
  /** Calls a function another module exports (resolved when this module was loaded). */
  callSymbol(symbol: string, argument: number): KernelCode<number>;
  /** request_irq: this module's function `handler` runs when interrupt line `line` fires. */
  requestIrq(line: number, handler: string): KernelCode<number>;
  /** free_irq: unregisters the handler and waits for any instance still running (synchronize_irq). */
  freeIrq(line: number): KernelCode<void>;
  /** register_chrdev / unregister_chrdev: a device name user space opens (0, or -EBUSY when taken). */
  registerChrdev(name: string): KernelCode<number>;
  unregisterChrdev(name: string): KernelCode<void>;
  /** register_filesystem / unregister_filesystem: a filesystem type user space mounts. */
  registerFilesystem(name: string): KernelCode<number>;
  unregisterFilesystem(name: string): KernelCode<void>;
}

/** A module function: takes one argument and returns a value (0 or -errno for most). */
export type ModuleFunction = (context: ModuleContext, argument: number) => KernelCode<number>;

/**
 * What a module does when the simulation runs it: its init (returning 0 or -errno), its exit,
 * and the functions other code calls (file operations, exported symbols, handlers).
 * A real .ko file with no behaviour attached gets the default: init returns 0, exit does nothing.
 */
export interface ModuleBehaviour {
  readonly init?: (context: ModuleContext) => KernelCode<number>;
  readonly exit?: (context: ModuleContext) => KernelCode<void>;
  readonly functions?: Readonly<Record<string, ModuleFunction>>;
}
