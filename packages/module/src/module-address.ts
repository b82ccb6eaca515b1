import { check, load, smpRmb, smpWmb, store, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { createRcu, type Rcu } from '@kmodsim/rcu';
import { ModuleState } from '@kmodsim/refcount';
import type { KernelModule } from './kernel-module.js';

// Finding a module by an address inside it, as kprobes, ftrace and the unwinders do
// (__module_address()): no lock, no table that the module's exit clears, only preemption held off
// while the caller looks and takes its reference with try_module_get(). What keeps the module's
// memory there meanwhile is free_module(): it unlinks the module (list_del_rcu, mod_tree_remove),
// waits for a grace period (synchronize_rcu), and only then frees. A reader that found the module
// before the unlink is still inside its preempt-off section, which the grace period waits out; a
// reader that starts after it does not find the module at all.

export interface AddressTreeSave {
  readonly reachable: readonly KernelModule[];
  readonly generation: number;
}

export class ModuleAddressTree {
  private readonly rcu: Rcu;
  /**
   * The tree's root (mod_tree): every lookup reads it, every insert and removal writes it, so a
   * lookup and an unlink are ordered in memory like the kernel's pointer loads and stores.
   */
  private readonly root: number;
  /** The modules a lookup that reads the root now reaches; changed only with a store to the root. */
  private readonly reachable = new Set<KernelModule>();
  private generation = 0;

  constructor(machine: Machine) {
    this.rcu = createRcu(machine);
    this.root = machine.alloc('mod_tree.root', 1, { lineAligned: true }).base;
  }

  /** mod_tree_insert(): the module can be found by address from now on (UNFORMED ones are skipped). */
  *link(module: KernelModule): KernelCode<void> {
    // Linux publishes with list_add_rcu() (rcu_assign_pointer, a release) and the latch tree's
    // smp_wmb(): the module's state is visible before the module is. No release store here: smp_wmb().
    yield smpWmb();
    yield store(this.root, ++this.generation);
    this.reachable.add(module);
  }

  /**
   * __module_address(): the module whose core holds `address`, or undefined. The caller must hold
   * off preemption (or be an interrupt handler) from before this call until it has taken its
   * reference, as module_assert_mutex_or_preempt() insists: that is what the grace period of
   * free_module() waits for.
   */
  *lookup(self: ExecutionContext, address: bigint): KernelCode<KernelModule | undefined> {
    if (!self.inIrq && !self.irqsDisabled && self.preemptCount === 0) {
      yield check(false, `WARNING: __module_address() called by ${self.comm}/${self.pid} with preemption on: the module it finds may be freed under it`);
    }
    yield load(this.root);
    // Pairs with link()'s smp_wmb(): Linux's readers have rcu_dereference() (a dependency) and the
    // latch's smp_rmb() (include/linux/seqlock.h); with no dependency here, smp_rmb().
    yield smpRmb();
    for (const module of this.reachable) {
      if (address < module.address || address >= module.address + BigInt(module.load.coreBytes)) continue;
      // The module found is read (its state): memory that must not have been freed yet.
      return (yield load(module.cells.state)) === ModuleState.UNFORMED ? undefined : module;
    }
    return undefined;
  }

  /**
   * list_del_rcu() and mod_tree_remove(), then synchronize_rcu(): no lookup that starts after the
   * unlink finds the module, and every one that could still see it has ended.
   */
  *unlinkAndWait(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    if (!this.reachable.has(module)) return;
    yield store(this.root, ++this.generation);
    this.reachable.delete(module);
    yield* this.rcu.synchronize(self);
  }

  /** Which modules a lookup reaches, copied (for a snapshot). */
  save(): AddressTreeSave {
    return { reachable: [...this.reachable], generation: this.generation };
  }

  load(saved: AddressTreeSave): void {
    this.reachable.clear();
    for (const module of saved.reachable) this.reachable.add(module);
    this.generation = saved.generation;
  }
}
