// The refcount contract as a table: which method another task calls, during which phase of an
// unload (or of the unwinding of a failed init), and from which context. A scenario names the
// cells it covers; a test watches each scenario run and fails if a named cell never shows.

/** The methods other code calls while a module comes or goes. */
export type ContractMethod = 'tryGet' | 'get' | 'put';

/**
 * Where the unloading task is when the call is made. `stop`: inside the strategy's stop step;
 * `wait`: sleeping for the count to reach zero (rmmod --wait); `before-free`: waiting out
 * in-flight puts before the memory goes; `init-wait` and `init-free`: the same two for a module
 * whose init failed (the core waits for users of a module that went live early).
 */
export type UnloadPhase = 'stop' | 'wait' | 'before-free' | 'init-wait' | 'init-free';

/**
 * The caller's context: a task that may be preempted (and migrate) at any step, a task with
 * preemption already off (under an outer spinlock, as a device lookup takes the reference), or an
 * interrupt handler on some CPU.
 */
export type CallerContext = 'preemptible' | 'preempt-off' | 'irq';

export interface ContractCell {
  readonly method: ContractMethod;
  readonly phase: UnloadPhase;
  readonly context: CallerContext;
}

export const CONTRACT_METHODS: readonly ContractMethod[] = ['tryGet', 'get', 'put'];
export const UNLOAD_PHASES: readonly UnloadPhase[] = ['stop', 'wait', 'before-free', 'init-wait', 'init-free'];
export const CALLER_CONTEXTS: readonly CallerContext[] = ['preemptible', 'preempt-off', 'irq'];

export function cell(method: ContractMethod, phase: UnloadPhase, context: CallerContext): ContractCell {
  return { method, phase, context };
}

export function cellKey(entry: ContractCell): string {
  return `${entry.method}/${entry.phase}/${entry.context}`;
}

/**
 * Why a sound design can never meet a cell, or undefined when it can. These are the kernel's own
 * rules of use, not properties of any one design.
 */
export function unreachableBecause(entry: ContractCell): string | undefined {
  const { method, phase } = entry;
  if (method === 'get' && (phase === 'before-free' || phase === 'init-free')) {
    return '__module_get needs a reference already held, and none is left once the count has reached zero';
  }
  if (method === 'tryGet' && (phase === 'init-wait' || phase === 'init-free')) {
    return 'a module whose init failed has unregistered what it registered before the core waits for its users: nothing can still look it up';
  }
  return undefined;
}

/**
 * Cells a sound design can meet that no checked scenario reaches yet (within the capped search the
 * coverage test watches, up to 25,000 executions a scenario): written down so the table says so, and a new scenario must shrink it.
 */
export const KNOWN_GAPS: readonly string[] = [
  // A lookup that no exit clears (__module_address(), __symbol_get()) runs inside an RCU read-side
  // section; kmodsim's RCU is the preempt-disable flavour, so that section has preemption off. Only a
  // CONFIG_PREEMPT_RCU kernel, which kmodsim does not model, has a preemptible try_module_get then.
  'tryGet/before-free/preemptible',
];

/** Every cell a sound design can meet. */
export function reachableCells(): ContractCell[] {
  return CONTRACT_METHODS.flatMap((method) => UNLOAD_PHASES.flatMap((phase) => CALLER_CONTEXTS.map((context) => cell(method, phase, context))))
    .filter((entry) => unreachableBecause(entry) === undefined);
}
