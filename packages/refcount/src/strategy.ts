import type { ExecutionContext, FaultKind, KernelCode, Machine } from '@kmodsim/cpu';
import type { LocalFlavour } from '@kmodsim/percpu';

// The contract between the module core and a refcount design. The core never knows which design
// runs: it asks the strategy to take and drop references, to stop the count for unload, to wait
// for zero, and to make freeing safe. A user's own design implements these same members.

/** Module states as the kernel numbers them (enum module_state). */
export const ModuleState = { LIVE: 0, COMING: 1, GOING: 2, UNFORMED: 3 } as const;
export type ModuleStateValue = (typeof ModuleState)[keyof typeof ModuleState];

/** The cells of a module's own struct that a strategy reads and writes. */
export interface ModuleCells {
  readonly name: string;
  /** The module's state word (ModuleState). */
  readonly state: number;
  /** The seed's `live` flag: 1 while new references may be taken. */
  readonly live: number;
  /** Pid of the task waiting for the count to fall to zero; 0 when none. */
  readonly waiter: number;
}

export interface UnloadFlags {
  /** O_NONBLOCK: refuse with EWOULDBLOCK rather than wait for users. */
  readonly nonblock: boolean;
  /** O_TRUNC on a kernel built with forced unload: go even while in use. */
  readonly force: boolean;
}

/**
 * What the stop step decided. `busy`: O_NONBLOCK and users remain (EWOULDBLOCK), nothing changed.
 * `stopped`: the module is GOING, no new reference can be taken, and `count` users remained.
 */
export type StopOutcome =
  | { readonly kind: 'busy'; readonly count: number }
  | { readonly kind: 'stopped'; readonly count: number };

/** One module's reference count under one strategy. */
export interface ModuleRefcount {
  /** try_module_get: a reference if the module is live. */
  tryGet(self: ExecutionContext): KernelCode<boolean>;
  /** __module_get: a reference the caller knows it may take (it holds one already). */
  get(self: ExecutionContext): KernelCode<void>;
  /** module_put: drops a reference, waking the unloader when the module is going. */
  put(self: ExecutionContext): KernelCode<void>;
  /** The count as lsmod shows it, read without stopping anything: it may be stale. */
  count(): number;
  /** The stop step of delete_module: freeze the count, decide, and mark the module GOING. */
  stop(self: ExecutionContext, flags: UnloadFlags): KernelCode<StopOutcome>;
  /** Sleeps until the count is zero; the last put wakes the waiter. */
  waitForZero(self: ExecutionContext): KernelCode<void>;
  /** Whatever must happen before the module's memory may be freed (in-flight puts finishing). */
  beforeFree(self: ExecutionContext): KernelCode<void>;
  /** Releases the strategy's own memory for this module. */
  release(self: ExecutionContext): KernelCode<void>;
}

/**
 * How `local_t` is built on this machine, like an architecture's choice: percpu's flavours less
 * `plain`, which no arch provides (a strategy that wants it, to show the tear, asks for it itself).
 */
export type ArchLocalFlavour = Exclude<LocalFlavour, 'plain'>;

export interface StrategyEnvironment {
  readonly machine: Machine;
  readonly arch: ArchLocalFlavour;
}

/** A strategy bound to one machine: it may keep per-machine services (stopper threads, RCU). */
export interface RefcountRuntime {
  /**
   * Sets up a module's count during load, in the loading task; the count starts at 1, the
   * loader's reference, which the core drops once init has run.
   */
  createModule(self: ExecutionContext, cells: ModuleCells): KernelCode<ModuleRefcount>;
}

/** How a check reports a violation: a machine fault, a failed final check, or CPUs spinning for ever. */
export type ViolationKind = FaultKind | 'invariant' | 'livelock';

export const VIOLATION_KINDS: readonly ViolationKind[] = [
  'use-after-free', 'call-into-freed-code', 'invalid-access', 'sleeps-forever', 'deadlock', 'step-limit',
  'assertion', 'invalid-op', 'exception', 'invariant', 'livelock',
];

/**
 * A violation a strategy is known to have, declared so that a check can tell a known bug shown
 * (EXPECTED) from a surprise. A check fails when a declared one is not found, as when an
 * undeclared one is.
 */
export interface KnownViolation {
  /** The catalogue scenario that shows it. */
  readonly scenario: string;
  /** The kinds it may be reported as (the first violation the search finds is one of these). */
  readonly kinds: readonly ViolationKind[];
  /** Why the design fails there, for the reader of the verdict. */
  readonly why: string;
  /**
   * For a violation only a weaker memory model shows (a missing barrier): the strongest model that
   * shows it, 'tso' or 'relaxed'. Under that model and every weaker one ('relaxed' is weaker than
   * 'tso') the pair is expected; under a stronger one (sequential consistency first) it is clean.
   * Omitted: under every model.
   */
  readonly memory?: 'tso' | 'relaxed';
}

export interface RefcountStrategy {
  readonly name: string;
  readonly description: string;
  /** For the deliberately broken variants: the one protection they remove. */
  readonly flaw?: string;
  /** The scenarios where this design is known to fail, and why (see KnownViolation). */
  readonly knownViolations?: readonly KnownViolation[];
  /**
   * false for designs that never wait for users (today's Linux): unloading a module in use is
   * refused with EWOULDBLOCK whether or not O_NONBLOCK is set, so `rmmod --wait` cannot wait.
   * The seed's kernel, and the default, wait.
   */
  readonly waitsForUsers?: boolean;
  attach(environment: StrategyEnvironment): RefcountRuntime;
}

/** The members a strategy must have, for checking a user's own strategy file. */
export const REFCOUNT_STRATEGY_MEMBERS = ['name', 'description', 'attach'] as const;
export const MODULE_REFCOUNT_MEMBERS = ['tryGet', 'get', 'put', 'count', 'stop', 'waitForZero', 'beforeFree', 'release'] as const;
