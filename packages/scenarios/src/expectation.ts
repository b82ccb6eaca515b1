import { VIOLATION_KINDS, type KnownViolation, type RefcountStrategy, type ViolationKind } from '@kmodsim/refcount';
import { findScenario } from './catalogue.js';
import type { CatalogueScenario } from './scenario.js';

// What a check of a strategy against a scenario should find: nothing, the fault the scenario
// exists to show, or a violation the strategy declares it has. A check succeeds when it finds
// exactly that, and a surprise either way is a failure.

export type Expectation =
  | { readonly kind: 'clean' }
  /** The scenario's own demonstration (a forced unload's oops), shown by every design. */
  | { readonly kind: 'scenario-fault'; readonly kinds: readonly ViolationKind[] }
  /** A violation the strategy declares (a built-in broken variant's, or a known bug's). */
  | { readonly kind: 'declared'; readonly kinds: readonly ViolationKind[]; readonly why: string };

export function expectationOf(strategy: RefcountStrategy, scenario: CatalogueScenario): Expectation {
  if (scenario.expected !== 'clean') return { kind: 'scenario-fault', kinds: scenario.expected };
  const declared = strategy.knownViolations?.find((known) => known.scenario === scenario.name);
  return declared === undefined ? { kind: 'clean' } : { kind: 'declared', kinds: declared.kinds, why: declared.why };
}

/**
 * What is wrong with a strategy's declarations, in one line each: a scenario the catalogue does
 * not have, a kind no check reports, a scenario declared twice, or no kinds at all.
 */
export function declarationProblems(strategy: RefcountStrategy): string[] {
  const declared: unknown = strategy.knownViolations;
  if (declared === undefined) return [];
  if (!Array.isArray(declared)) return [`${strategy.name}: knownViolations must be an array of { scenario, kinds, why }`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of declared as readonly Partial<KnownViolation>[]) {
    const scenario = typeof entry.scenario === 'string' ? entry.scenario : '';
    const found = findScenario(scenario);
    if (found === undefined) problems.push(`${strategy.name} declares a known violation in scenario '${scenario}', which does not exist`);
    else if (found.kind !== 'checked') problems.push(`${strategy.name} declares a known violation in scenario '${scenario}', which is a demonstration, not checked`);
    else if (found.expected !== 'clean') problems.push(`${strategy.name} declares a known violation in scenario '${scenario}', which every design fails by design (${found.expected.join(' or ')}): nothing to declare there`);
    if (typeof entry.why !== 'string' || entry.why.trim() === '') problems.push(`${strategy.name}: the known violation in '${scenario}' says no why (a sentence for the reader of the verdict)`);
    if (seen.has(scenario)) problems.push(`${strategy.name} declares scenario '${scenario}' twice`);
    seen.add(scenario);
    const kinds: unknown = entry.kinds;
    if (!Array.isArray(kinds) || kinds.length === 0) {
      problems.push(`${strategy.name}: the known violation in '${scenario}' names no kinds (one or more of: ${VIOLATION_KINDS.join(', ')})`);
      continue;
    }
    for (const kind of kinds as unknown[]) {
      if (!VIOLATION_KINDS.includes(kind as ViolationKind)) problems.push(`${strategy.name}: unknown violation kind '${String(kind)}' in '${scenario}' (known: ${VIOLATION_KINDS.join(', ')})`);
    }
  }
  return problems;
}
