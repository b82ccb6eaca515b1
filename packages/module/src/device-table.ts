import { spinLock, spinlockAt, spinlockFields, spinUnlock, type ExecutionContext, type KernelCode, type Machine, type Spinlock } from '@kmodsim/cpu';
import type { KernelModule } from './kernel-module.js';

type TryGet = (self: ExecutionContext, module: KernelModule) => KernelCode<boolean>;

/**
 * Names modules register for user space to reach them: character devices (register_chrdev) and
 * filesystems (register_filesystem). As in the kernel, a lookup takes the owner's reference
 * while still holding the table's lock, and a module's exit unregisters under the same lock: so a
 * lookup either finds the module and pins it before it can go, or finds nothing. Looking the
 * module up first and taking the reference after, unlocked, would race with its freeing.
 */
export class DeviceTable {
  private readonly lock: Spinlock;
  private readonly entries = new Map<string, KernelModule>();

  constructor(machine: Machine, readonly kind: string) {
    this.lock = spinlockAt(`${kind}_lock`, machine.alloc(`${kind}_lock`, 2, { lineAligned: true, fields: spinlockFields(`${kind}_lock`) }).base);
  }

  *register(name: string, module: KernelModule): KernelCode<number> {
    yield* spinLock(this.lock);
    const taken = this.entries.has(name);
    if (!taken) this.entries.set(name, module);
    yield* spinUnlock(this.lock);
    return taken ? -16 : 0;
  }

  *unregister(name: string): KernelCode<void> {
    yield* spinLock(this.lock);
    this.entries.delete(name);
    yield* spinUnlock(this.lock);
  }

  /** The registered module with a reference taken on it, or undefined (none, or it is going). */
  *lookupAndGet(self: ExecutionContext, name: string, tryGet: TryGet): KernelCode<KernelModule | undefined> {
    yield* spinLock(this.lock);
    const module = this.entries.get(name);
    const got = module !== undefined && (yield* tryGet(self, module));
    yield* spinUnlock(this.lock);
    return got ? module : undefined;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The registrations, copied (for a snapshot). */
  save(): ReadonlyMap<string, KernelModule> {
    return new Map(this.entries);
  }

  load(saved: ReadonlyMap<string, KernelModule>): void {
    this.entries.clear();
    for (const [name, module] of saved) this.entries.set(name, module);
  }
}
