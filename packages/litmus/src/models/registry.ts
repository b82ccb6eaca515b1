import type { MemoryModel } from './port.js';
import { sequentialConsistency } from './sc.js';
import { relaxedOrdering, totalStoreOrder } from './machine-models.js';

/** The memory models this version runs a litmus test under, by the name `--model` takes. */
export const memoryModels = { sc: sequentialConsistency, tso: totalStoreOrder, relaxed: relaxedOrdering } as const satisfies Record<string, MemoryModel>;

export type MemoryModelName = keyof typeof memoryModels;

export type ModelError = { readonly kind: 'unknown-model'; readonly message: string };

/** The model by name, or the error naming the models there are. */
export function findModel(name: string): { readonly ok: true; readonly value: MemoryModel } | { readonly ok: false; readonly error: ModelError } {
  if (Object.hasOwn(memoryModels, name)) return { ok: true, value: memoryModels[name as MemoryModelName] };
  return { ok: false, error: { kind: 'unknown-model', message: `unknown memory model '${name}' (known: ${Object.keys(memoryModels).join(', ')})` } };
}
