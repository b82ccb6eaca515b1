// The kernel primitives a litmus process may call, with how each one is run. The argument
// conventions are the kernel's: READ_ONCE, WRITE_ONCE and the rcu_* accessors take the location
// itself (`*x`), the others a pointer to it (`x`), and atomic_add(i, v) takes the operand first.

import type { RmwOrder } from '@kmodsim/cpu';

/**
 * Full barrier, write barrier, read barrier, a barrier that x86 gets from its locked atomics, a
 * compiler barrier, or the ordering a load through a pointer it read has (an address dependency:
 * no primitive names it, the interpreter asks for it before such a load).
 */
export type FenceKind = 'mb' | 'wmb' | 'rmb' | 'mb-atomic' | 'compiler' | 'dependency';
export type AccessOrder = 'once' | 'acquire' | 'release';
export type RmwOperation = 'xchg' | 'cmpxchg' | 'add';

export type Primitive =
  | { readonly kind: 'load'; readonly arity: 1; readonly lvalue: boolean; readonly order: AccessOrder }
  | { readonly kind: 'store'; readonly arity: 2; readonly lvalue: boolean; readonly order: AccessOrder }
  | { readonly kind: 'fence'; readonly arity: 0; readonly fence: FenceKind }
  | {
    readonly kind: 'rmw';
    readonly arity: number;
    readonly operation: RmwOperation;
    /** Which argument is the pointer; the others follow in the kernel's order. */
    readonly pointerArg: number;
    /** For add: the fixed operand (inc, dec), or the sign the operand argument is taken with (add, sub). */
    readonly constant?: number;
    readonly sign?: 1 | -1;
    readonly returns: 'old' | 'new' | 'nothing';
    /** How it orders (Documentation/atomic_t.txt): the form its name says; the ones that return nothing order nothing. */
    readonly order: RmwOrder;
  }
  | { readonly kind: 'lock'; readonly arity: 1; readonly operation: 'lock' | 'unlock' | 'trylock' | 'is_locked' };

const ORDERINGS: readonly (readonly [string, RmwOrder])[] = [['', 'full'], ['_relaxed', 'relaxed'], ['_acquire', 'acquire'], ['_release', 'release']];

/** A value-returning atomic in its four forms: fully ordered, _relaxed, _acquire, _release. */
function family(stem: string, make: (order: RmwOrder) => Primitive): [string, Primitive][] {
  return ORDERINGS.map(([suffix, order]) => [`${stem}${suffix}`, make(order)]);
}

function atomicArithmetic(): [string, Primitive][] {
  const entries: [string, Primitive][] = [
    ['atomic_inc', { kind: 'rmw', arity: 1, operation: 'add', pointerArg: 0, constant: 1, returns: 'nothing', order: 'relaxed' }],
    ['atomic_dec', { kind: 'rmw', arity: 1, operation: 'add', pointerArg: 0, constant: -1, returns: 'nothing', order: 'relaxed' }],
    ['atomic_add', { kind: 'rmw', arity: 2, operation: 'add', pointerArg: 1, sign: 1, returns: 'nothing', order: 'relaxed' }],
    ['atomic_sub', { kind: 'rmw', arity: 2, operation: 'add', pointerArg: 1, sign: -1, returns: 'nothing', order: 'relaxed' }],
  ];
  for (const returns of ['new', 'old'] as const) {
    const name = (op: string): string => (returns === 'new' ? `atomic_${op}_return` : `atomic_fetch_${op}`);
    entries.push(
      ...family(name('inc'), (order) => ({ kind: 'rmw', arity: 1, operation: 'add', pointerArg: 0, constant: 1, returns, order })),
      ...family(name('dec'), (order) => ({ kind: 'rmw', arity: 1, operation: 'add', pointerArg: 0, constant: -1, returns, order })),
      ...family(name('add'), (order) => ({ kind: 'rmw', arity: 2, operation: 'add', pointerArg: 1, sign: 1, returns, order })),
      ...family(name('sub'), (order) => ({ kind: 'rmw', arity: 2, operation: 'add', pointerArg: 1, sign: -1, returns, order })),
    );
  }
  return entries;
}

function exchanges(): [string, Primitive][] {
  const xchgLike = (order: RmwOrder): Primitive => ({ kind: 'rmw', arity: 2, operation: 'xchg', pointerArg: 0, returns: 'old', order });
  const cmpxchgLike = (order: RmwOrder): Primitive => ({ kind: 'rmw', arity: 3, operation: 'cmpxchg', pointerArg: 0, returns: 'old', order });
  return [...family('xchg', xchgLike), ...family('atomic_xchg', xchgLike), ...family('cmpxchg', cmpxchgLike), ...family('atomic_cmpxchg', cmpxchgLike)];
}

const load = (lvalue: boolean, order: AccessOrder): Primitive => ({ kind: 'load', arity: 1, lvalue, order });
const store = (lvalue: boolean, order: AccessOrder): Primitive => ({ kind: 'store', arity: 2, lvalue, order });
const fence = (kind: FenceKind): Primitive => ({ kind: 'fence', arity: 0, fence: kind });
const lock = (operation: 'lock' | 'unlock' | 'trylock' | 'is_locked'): Primitive => ({ kind: 'lock', arity: 1, operation });

/** Every primitive this runner models, by the name a litmus file calls it by. */
export const primitives: ReadonlyMap<string, Primitive> = new Map<string, Primitive>([
  ['READ_ONCE', load(true, 'once')],
  ['rcu_dereference', load(true, 'once')],
  ['smp_load_acquire', load(false, 'acquire')],
  ['atomic_read', load(false, 'once')],
  ['atomic_read_acquire', load(false, 'acquire')],
  ['WRITE_ONCE', store(true, 'once')],
  ['rcu_assign_pointer', store(true, 'release')],
  ['smp_store_release', store(false, 'release')],
  ['atomic_set', store(false, 'once')],
  ['atomic_set_release', store(false, 'release')],
  ['smp_mb', fence('mb')],
  ['smp_wmb', fence('wmb')],
  ['smp_rmb', fence('rmb')],
  ['smp_mb__before_atomic', fence('mb-atomic')],
  ['smp_mb__after_atomic', fence('mb-atomic')],
  ['smp_mb__after_spinlock', fence('mb-atomic')],
  ['barrier', fence('compiler')],
  // Read-side critical sections matter only against a grace period, and synchronize_rcu() is not
  // modelled (it is refused as unsupported), so here they order nothing, as in a non-preemptible kernel.
  ['rcu_read_lock', fence('compiler')],
  ['rcu_read_unlock', fence('compiler')],
  ...exchanges(),
  ...atomicArithmetic(),
  ['spin_lock', lock('lock')],
  ['spin_unlock', lock('unlock')],
  ['spin_trylock', lock('trylock')],
  ['spin_is_locked', lock('is_locked')],
]);

/** The names, sorted, for an error that lists what is supported. */
export const primitiveNames: readonly string[] = [...primitives.keys()].sort();
