import { moduleNameOfPath } from '../kernel-tree/module-names.js';
import { resolveSoftdeps, type ProbeTables } from './softdeps.js';

// The order modprobe -r removes a module in, with its softdeps and the dependencies it leaves
// unused: kmod's rmmod_do_module. In kmod that walk is modprobe.c's; it is here so that every
// front end removes in kmod's order, while the front end does each step (asks the kernel, or
// only says what it would do with -n) and words what happened.

/**
 * What one step of a removal came to: done (or nothing to do); failed, which the walk passes over
 * for a softdep but not for the module asked for; or stop, which ends the whole run there and
 * then (kmod's FATAL messages exit(1) as they are printed).
 */
export type RemovalStep = 'done' | 'failed' | 'stop';

/** The front end's part of a removal. */
export interface RemovalSteps {
  /** Whether the module is loaded now; undefined when the machine cannot say (the walk stops). */
  isLoaded(name: string): Promise<boolean | undefined>;
  /** Removes the module itself, then those of `dependencies` that nothing uses any more. */
  remove(name: string, dependencies: readonly string[]): Promise<RemovalStep>;
}

/** The modules a module needs, by name, in modules.dep's order. */
function dependencyNames(tables: ProbeTables, name: string): string[] {
  return tables.deps.get(name)?.deps.map(moduleNameOfPath) ?? [];
}

/** A softdep list's modules by name, the last first, as kmod walks them (kmod_list_foreach_reverse). */
function softdepNames(tables: ProbeTables, name: string, which: 'pre' | 'post'): string[] {
  return resolveSoftdeps(tables, tables.softdeps.get(name)?.[which] ?? []).map((entry) => entry.name).reverse();
}

/**
 * kmod's rmmod_do_module: nothing to do for a module that is not loaded; else its post-softdeps
 * (last first), then the module and its dependencies nothing uses any more, then its
 * pre-softdeps (last first). Each softdep is removed as a module of its own: its failure is
 * passed over, but a stop ends the walk after what was removed before it. A module met a second
 * time is passed over, which stops a softdep cycle, on which kmod's recursion never ends (it
 * crashes).
 */
export function removeWithDependencies(tables: ProbeTables, name: string, steps: RemovalSteps): Promise<RemovalStep> {
  return removeOnce(tables, name, steps, new Set());
}

async function removeOnce(tables: ProbeTables, name: string, steps: RemovalSteps, seen: Set<string>): Promise<RemovalStep> {
  if (seen.has(name)) return 'done';
  seen.add(name);
  const loaded = await steps.isLoaded(name);
  if (loaded === undefined) return 'stop';
  if (!loaded) return 'done';
  for (const post of softdepNames(tables, name, 'post')) {
    if ((await removeOnce(tables, post, steps, seen)) === 'stop') return 'stop';
  }
  const removal = await steps.remove(name, dependencyNames(tables, name));
  if (removal !== 'done') return removal;
  for (const pre of softdepNames(tables, name, 'pre')) {
    if ((await removeOnce(tables, pre, steps, seen)) === 'stop') return 'stop';
  }
  return 'done';
}
