import type { KnownViolation, RefcountStrategy } from '../strategy.js';

// What a family of designs (the seed's per-CPU counters, percpu-dekker) shares between its sound
// member and its deliberately broken variants: a name, a description, and for a variant the one
// protection it removes and where the suite catches it.

export interface Variant<Flaw extends string> {
  readonly name: string;
  readonly description: string;
  readonly flaw?: { readonly kind: Flaw; readonly text: string };
  readonly knownViolations?: readonly KnownViolation[];
}

/** A variant's declared members of RefcountStrategy (its flaw and known violations only when it has them). */
export function declaredMembers<Flaw extends string>(variant: Variant<Flaw>): Pick<RefcountStrategy, 'name' | 'description' | 'flaw' | 'knownViolations'> {
  return {
    name: variant.name,
    description: variant.description,
    ...(variant.flaw === undefined ? {} : { flaw: variant.flaw.text }),
    ...(variant.knownViolations === undefined ? {} : { knownViolations: variant.knownViolations }),
  };
}
