import { check, type KernelCode } from '@kmodsim/cpu';
import { MODULE_REFCOUNT_MEMBERS, type ModuleRefcount, type StopOutcome } from '@kmodsim/refcount';
import type { KernelModule } from './kernel-module.js';

// The module core runs strategies it does not know, a user's own among them. What one hands back
// is checked where the core depends on it, so a strategy that breaks the interface's contract is
// an assertion fault (BUG_ON) in the task that met it, with the trace, naming the strategy and
// what it got wrong; never a host exception in some later, unrelated place.

/** What is wrong with the object createModule returned, if anything. */
export function refcountProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `createModule returned ${describe(value)}, not a module refcount`;
  const missing = MODULE_REFCOUNT_MEMBERS.filter((member) => typeof (value as Record<string, unknown>)[member] !== 'function');
  return missing.length === 0 ? undefined : `createModule returned a module refcount without ${missing.join(', ')}`;
}

/** What is wrong with the stop step's answer, if anything. */
export function stopOutcomeProblem(value: unknown): string | undefined {
  const outcome = value as Partial<StopOutcome> | null | undefined;
  const kindOk = outcome?.kind === 'busy' || outcome?.kind === 'stopped';
  return kindOk && Number.isInteger(outcome.count) ? undefined : `stop() returned ${describe(value)}, not { kind: 'busy' | 'stopped', count }`;
}

/** try_module_get's answer must be a yes or a no. */
export function tryGetProblem(value: unknown): string | undefined {
  return typeof value === 'boolean' ? undefined : `tryGet() returned ${describe(value)}, not true or false`;
}

/** Ends the calling task with the fault; the machine never resumes it. */
export function* contractBroken(strategyName: string, problem: string): KernelCode<never> {
  yield check(false, `refcount strategy ${strategyName} broke its contract: ${problem}`);
  throw new Error('unreachable: a failed check ends the task');
}

/**
 * What the unload has waited for, checked from outside the machine (as KASAN would): once the
 * strategy says no user is left, its count, read exactly at this instant, must be zero. A design
 * whose wait misses a reference fails here even when the holder would only touch the freed
 * module later.
 */
export function* checkNoUsers(module: KernelModule, refcount: ModuleRefcount, when: string): KernelCode<void> {
  const held = refcount.count();
  if (held !== 0) yield check(false, `${module.name}: ${when} while ${held} reference${held === 1 ? ' is' : 's are'} still held (the unload did not wait for every user)`);
}

/** Narrows a value a check has passed. */
export function isModuleRefcount(value: unknown): value is ModuleRefcount {
  return refcountProblem(value) === undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol' || typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value);
  } catch {
    return 'a value that does not print';
  }
}
