import { atomicAdd, cpuRelax, load, store, type ExecutionContext, type IrqHandler, type KernelCode, type Machine } from '@kmodsim/cpu';
import type { KernelModule } from './kernel-module.js';

type CallModule = (self: ExecutionContext, module: KernelModule, functionName: string, argument: number) => KernelCode<number>;

interface Registration {
  readonly module: KernelModule;
  readonly handler: string;
}

/**
 * Interrupt lines that modules claim with request_irq. Each line is an interrupt source on the
 * machine; when it fires, the registered module's handler runs in IRQ context. Whether a line
 * has a handler is a cell in simulated memory (the irq_desc's action pointer), written by
 * request_irq and free_irq and read by the interrupt, so a model checker sees them race. A count
 * of handlers in flight per line, also in simulated memory, is what free_irq waits on, as
 * synchronize_irq does: after it returns, no CPU is still inside the handler.
 */
export class IrqLines {
  private readonly registrations = new Map<number, Registration>();
  private readonly inFlight: number;
  /** Per line: 1 while a handler is registered (the action pointer), else 0. */
  private readonly actions: number;

  constructor(machine: Machine, readonly lineCount: number, callModule: CallModule) {
    this.inFlight = machine.alloc('irq_desc.threads_active', Math.max(lineCount, 1), { lineAligned: true }).base;
    this.actions = machine.alloc('irq_desc.action', Math.max(lineCount, 1), { lineAligned: true }).base;
    const handlerOf = (line: number): IrqHandler => {
      const counter = this.inFlight + line;
      const action = this.actions + line;
      const registrations = this.registrations;
      return function* (self) {
          // Count ourselves in before looking at the action: free_irq clears the action and
          // then waits for the count, so either it sees us or we see no handler. Linux orders the
          // two sides by desc->lock; a fully ordered add stands for it (an atomic_inc() would not
          // order under the relaxed memory model).
          yield atomicAdd(counter, 1);
          // The registration is read in the same step as the action, which it always matches.
          const registration = (yield load(action)) === 1 ? registrations.get(line) : undefined;
          if (registration !== undefined) yield* callModule(self, registration.module, registration.handler, line);
          yield atomicAdd(counter, -1);
      };
    };
    machine.nameBodies({ 'irq line': ([line]) => handlerOf(Number(line)) });
    for (let line = 0; line < lineCount; line++) machine.addIrqSource({ name: `irq${line}`, handler: handlerOf(line), handlerRef: { name: 'irq line', args: [line] } });
  }

  /** request_irq: 0, or -EBUSY (16) when the line is taken, -EINVAL (22) when there is no such line. */
  *request(module: KernelModule, line: number, handler: string): KernelCode<number> {
    if (!Number.isInteger(line) || line < 0 || line >= this.lineCount) return -22;
    if (this.registrations.has(line)) return -16;
    this.registrations.set(line, { module, handler });
    yield store(this.actions + line, 1);
    return 0;
  }

  *free(line: number): KernelCode<void> {
    yield store(this.actions + line, 0);
    this.registrations.delete(line);
    while ((yield load(this.inFlight + line)) !== 0) yield cpuRelax();
  }

  /** The handlers registered, copied (for a snapshot). */
  save(): ReadonlyMap<number, Registration> {
    return new Map(this.registrations);
  }

  load(saved: ReadonlyMap<number, Registration>): void {
    this.registrations.clear();
    for (const [line, registration] of saved) this.registrations.set(line, registration);
  }

  /** Lines a module still holds (a module unloaded without free_irq leaves its handler behind). */
  heldBy(module: KernelModule): number[] {
    return [...this.registrations].filter(([, registration]) => registration.module === module).map(([line]) => line);
  }
}
