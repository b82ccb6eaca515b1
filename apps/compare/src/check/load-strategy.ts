import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMachine } from '@kmodsim/cpu';
import { findStrategy, MODULE_REFCOUNT_MEMBERS, REFCOUNT_STRATEGY_MEMBERS, strategyNames, type RefcountStrategy } from '@kmodsim/refcount';
import { UsageError } from '../io.js';

/**
 * A strategy by name from the registry, or from a file of the user's: an ES module whose default
 * export (or export named `strategy`) implements RefcountStrategy. The file is checked member by
 * member, including the per-module object its runtime creates, so a mistake is named at once.
 */
export async function loadStrategy(spec: string, cwd: string): Promise<RefcountStrategy> {
  const known = findStrategy(spec);
  if (known !== undefined) return known;
  if (!looksLikeFile(spec)) throw new UsageError(`unknown strategy '${spec}'; known: ${strategyNames().join(', ')} (or a path to a .js/.mjs file)`);
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`strategy file ${spec} did not load: ${error instanceof Error ? error.message : String(error)}`);
  }
  const candidate = loaded['default'] ?? loaded['strategy'];
  if (typeof candidate !== 'object' || candidate === null) throw new UsageError(`strategy file ${spec} has no default export (or export named 'strategy') holding a strategy object`);
  return checkStrategy(candidate as Record<string, unknown>, spec);
}

function looksLikeFile(spec: string): boolean {
  return /\.(m?js|cjs)$/.test(spec) || spec.includes('/');
}

function checkStrategy(candidate: Record<string, unknown>, spec: string): RefcountStrategy {
  for (const member of REFCOUNT_STRATEGY_MEMBERS) {
    if (!(member in candidate)) throw new UsageError(`strategy in ${spec} does not implement RefcountStrategy: member '${member}' is missing`);
  }
  if (typeof candidate['name'] !== 'string' || typeof candidate['attach'] !== 'function') {
    throw new UsageError(`strategy in ${spec} does not implement RefcountStrategy: 'name' must be a string and 'attach' a function`);
  }
  const strategy = candidate as unknown as RefcountStrategy;
  const problem = moduleProblem(strategy);
  if (problem !== undefined) throw new UsageError(`strategy ${strategy.name} in ${spec}: ${problem}`);
  return strategy;
}

/** Creates one module's count on a scratch machine; says what went wrong, if anything did. */
function moduleProblem(strategy: RefcountStrategy): string | undefined {
  const created = createMachine({ cpuCount: 1, maxSteps: 100_000 });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const base = machine.alloc('probe: struct module', 3).base;
  let runtime: ReturnType<RefcountStrategy['attach']>;
  try {
    runtime = strategy.attach({ machine, arch: 'native' });
  } catch (error) {
    return `attach() threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  let made: Record<string, unknown> | undefined;
  machine.spawn({ name: 'probe', body: function* (self) {
    made = (yield* runtime.createModule(self, { name: 'probe', state: base, live: base + 1, waiter: base + 2 })) as unknown as Record<string, unknown>;
  } });
  const result = machine.run();
  if (!result.ok) return `createModule() failed on a one-CPU machine: ${result.fault.message}`;
  const module = made;
  if (module === undefined) return 'createModule() returned nothing';
  const missing = MODULE_REFCOUNT_MEMBERS.find((member) => typeof module[member] !== 'function');
  return missing === undefined ? undefined : `the object its createModule() returns lacks '${missing}' (ModuleRefcount needs ${MODULE_REFCOUNT_MEMBERS.join(', ')})`;
}
