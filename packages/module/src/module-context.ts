import { store, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import type { ModuleContext } from './behaviour.js';
import type { DeviceTable } from './device-table.js';
import type { IrqLines } from './irq-lines.js';
import type { KernelModule } from './kernel-module.js';

// What a module's own code (its init, exit and functions) is handed: itself, and the kernel
// services it registers with, each bound to the module.

/** The kernel's services a module's code reaches. */
export interface ModuleServices {
  readonly irqLines: IrqLines;
  readonly chardevs: DeviceTable;
  readonly filesystems: DeviceTable;
  /** Calls one of a module's functions (ModuleCore.call). */
  call(self: ExecutionContext, module: KernelModule, functionName: string, argument: number): KernelCode<number>;
}

export function moduleContext(services: ModuleServices, self: ExecutionContext, module: KernelModule): ModuleContext {
  const live = module.cells.live;
  const { irqLines, chardevs, filesystems } = services;
  return {
    self,
    module: {
      name: module.name,
      variables: module.variables,
      *goLive() {
        yield store(live, 1);
      },
    },
    callSymbol: (symbol, argument) => callSymbol(services, self, module, symbol, argument),
    requestIrq: (line, handler) => irqLines.request(module, line, handler),
    freeIrq: (line) => irqLines.free(line),
    registerChrdev: (name) => chardevs.register(name, module),
    unregisterChrdev: (name) => chardevs.unregister(name),
    registerFilesystem: (name) => filesystems.register(name, module),
    unregisterFilesystem: (name) => filesystems.unregister(name),
  };
}

/** A call from one module into a symbol another exports, where its relocation points (the kernel's own symbols: a no-op here). */
function* callSymbol(services: ModuleServices, self: ExecutionContext, caller: KernelModule, symbol: string, argument: number): KernelCode<number> {
  const owner = caller.linkedCalls.get(symbol);
  if (owner === undefined) return 0;
  return yield* services.call(self, owner, symbol, argument);
}
