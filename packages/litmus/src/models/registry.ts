import type { MemoryModel } from './port.js';
import { sequentialConsistency } from './sc.js';
import { totalStoreOrder } from './tso.js';

/** The memory models this version runs a litmus test under, by the name `--model` takes. */
export const memoryModels = { sc: sequentialConsistency, tso: totalStoreOrder } as const satisfies Record<string, MemoryModel>;

export type MemoryModelName = keyof typeof memoryModels;

/** Every model name kmodsim knows of, including those this version cannot run yet. */
export const knownModelNames = ['sc', 'tso', 'relaxed'] as const;

export type ModelError = { readonly kind: 'unknown-model' | 'unavailable-model'; readonly message: string };

/** The model by name, or why not: a name kmodsim does not know, or one it knows but cannot run yet. */
export function findModel(name: string): { readonly ok: true; readonly value: MemoryModel } | { readonly ok: false; readonly error: ModelError } {
  if (Object.hasOwn(memoryModels, name)) return { ok: true, value: memoryModels[name as MemoryModelName] };
  if ((knownModelNames as readonly string[]).includes(name)) {
    const available = Object.keys(memoryModels).join(' and ');
    return { ok: false, error: { kind: 'unavailable-model', message: `memory model '${name}' is not implemented yet: this version answers under ${available} only` } };
  }
  return { ok: false, error: { kind: 'unknown-model', message: `unknown memory model '${name}' (known: ${knownModelNames.join(', ')})` } };
}
