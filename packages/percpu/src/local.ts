import { atomicAdd, load, localAdd, store, type KernelCode } from '@kmodsim/cpu';

// local_t: a counter atomic only with respect to the CPU that owns it, interrupts on that CPU
// included. Only the owner writes it, with preemption off; any CPU may read a possibly stale
// value. How it is made atomic is the arch's choice, so the flavour is chosen per machine:
//   native  the arch has __HAVE_ARCH_LOCAL_INC: one read-modify-write instruction without a bus
//           lock (x86 `incq`). An interrupt arrives before or after it, never inside. Cheap.
//   atomic  asm-generic's fallback to atomic_long_t: a locked instruction, correct but dearer.
//   plain   a load, an add and a store. An interrupt on the same CPU between the load and the
//           store that updates the same counter has its update overwritten. It exists to show
//           why local_t is needed at all.

export type LocalFlavour = 'native' | 'atomic' | 'plain';

export const LOCAL_FLAVOURS: readonly LocalFlavour[] = ['native', 'atomic', 'plain'];

export interface LocalOps {
  readonly flavour: LocalFlavour;
  /** local_add_return(): adds `delta` to the local_t at `cell`; resumes with the new value. */
  add(cell: number, delta: number): KernelCode<number>;
  /** local_inc(). */
  inc(cell: number): KernelCode<void>;
  /** local_dec(). */
  dec(cell: number): KernelCode<void>;
  /** local_read(): one load, from any CPU. */
  read(cell: number): KernelCode<number>;
  /** local_set(): one store. */
  set(cell: number, value: number): KernelCode<void>;
}

const adders: Readonly<Record<LocalFlavour, (cell: number, delta: number) => KernelCode<number>>> = {
  *native(cell, delta) {
    return yield localAdd(cell, delta);
  },
  *atomic(cell, delta) {
    return yield atomicAdd(cell, delta);
  },
  *plain(cell, delta) {
    const value = (yield load(cell)) + delta;
    yield store(cell, value);
    return value;
  },
};

/** The local_t operations of one flavour. */
export function localOps(flavour: LocalFlavour): LocalOps {
  const add = adders[flavour];
  return {
    flavour,
    add,
    *inc(cell) {
      yield* add(cell, 1);
    },
    *dec(cell) {
      yield* add(cell, -1);
    },
    *read(cell) {
      return yield load(cell);
    },
    *set(cell, value) {
      yield store(cell, value);
    },
  };
}

/** Whether `name` is a flavour, for configuration read from outside. */
export function isLocalFlavour(name: string): name is LocalFlavour {
  return (LOCAL_FLAVOURS as readonly string[]).includes(name);
}
