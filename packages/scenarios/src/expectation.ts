import { VIOLATION_KINDS, type KnownViolation, type RefcountStrategy, type ViolationKind } from '@kmodsim/refcount';
import { findScenario } from './catalogue.js';
import { scenarioMismatch, type CatalogueScenario } from './scenario.js';

// What a check of a strategy against a scenario should find: nothing, the fault the scenario
// exists to show, or a violation the strategy declares it has. A check succeeds when it finds
// exactly that, and a surprise either way is a failure.

export type Expectation =
  | { readonly kind: 'clean' }
  /** The scenario's own demonstration (a forced unload's oops), shown by every design. */
  | { readonly kind: 'scenario-fault'; readonly kinds: readonly ViolationKind[] }
  /** A violation the strategy declares (a built-in broken variant's, or a known bug's). */
  | { readonly kind: 'declared'; readonly kinds: readonly ViolationKind[]; readonly why: string };

/** The memory models from the strongest (the fewest outcomes) to the weakest: each shows every outcome of those before it. */
const MODEL_STRENGTH: Readonly<Record<'sc' | 'tso' | 'relaxed', number>> = { sc: 0, tso: 1, relaxed: 2 };

/** `memory`: the machine's memory model; a violation declared for 'tso' is not expected under 'sc', one for 'relaxed' under neither. */
export function expectationOf(strategy: RefcountStrategy, scenario: CatalogueScenario, memory: 'sc' | 'tso' | 'relaxed' = 'sc'): Expectation {
  if (scenario.expected !== 'clean') return { kind: 'scenario-fault', kinds: scenario.expected };
  const declared = strategy.knownViolations?.find((known) => known.scenario === scenario.name && (known.memory === undefined || MODEL_STRENGTH[memory] >= MODEL_STRENGTH[known.memory]));
  return declared === undefined ? { kind: 'clean' } : { kind: 'declared', kinds: declared.kinds, why: declared.why };
}

/**
 * What is wrong with a strategy's declarations, in one line each: an entry that is not an object,
 * a scenario that is not a name, one the catalogue does not have, or one the strategy cannot run
 * (it would be N/A, so the declaration could never be checked); a kind no check reports, kinds
 * that are not a list, a scenario declared twice, or no why. A strategy file is the user's own
 * JavaScript, so every field is checked for its type before it is used.
 */
export function declarationProblems(strategy: RefcountStrategy): string[] {
  const declared: unknown = strategy.knownViolations;
  if (declared === undefined) return [];
  if (!Array.isArray(declared)) return [`${strategy.name}: knownViolations must be an array of { scenario, kinds, why }, got ${shown(declared)}`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of (declared as readonly unknown[]).entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${strategy.name}: knownViolations[${index}] must be an object { scenario, kinds, why }, got ${shown(entry)}`);
      continue;
    }
    const { scenario, kinds, why, memory } = entry as Partial<Record<keyof KnownViolation, unknown>>;
    if (typeof scenario !== 'string') {
      problems.push(`${strategy.name}: knownViolations[${index}].scenario must be a scenario's name, got ${shown(scenario)}`);
      continue;
    }
    problems.push(...scenarioProblems(strategy, scenario));
    if (memory !== undefined && memory !== 'tso' && memory !== 'relaxed') problems.push(`${strategy.name}: the known violation in '${scenario}' names memory model ${shown(memory)}; a violation only a weaker model shows says memory: 'tso' or 'relaxed' (the strongest that shows it), one every model shows says none`);
    if (typeof why !== 'string' || why.trim() === '') problems.push(`${strategy.name}: the known violation in '${scenario}' says no why (a sentence for the reader of the verdict)`);
    if (seen.has(scenario)) problems.push(`${strategy.name} declares scenario '${scenario}' twice`);
    seen.add(scenario);
    problems.push(...kindProblems(strategy.name, scenario, kinds));
  }
  return problems;
}

/** Why `scenario` cannot carry a declaration of this strategy's: none, or one line. */
function scenarioProblems(strategy: RefcountStrategy, scenario: string): string[] {
  const found = findScenario(scenario);
  const where = `${strategy.name} declares a known violation in scenario '${scenario}'`;
  if (found === undefined) return [`${where}, which does not exist`];
  if (found.kind !== 'checked') return [`${where}, which is a demonstration, not checked`];
  if (found.expected !== 'clean') return [`${where}, which every design fails by design (${found.expected.join(' or ')}): nothing to declare there`];
  // A pair that is N/A is never searched: the declaration would be dropped in silence.
  const mismatch = scenarioMismatch(found, strategy);
  return mismatch === undefined ? [] : [`${where}, which it cannot run (the pair is N/A): ${mismatch}`];
}

function kindProblems(strategy: string, scenario: string, kinds: unknown): string[] {
  const known = VIOLATION_KINDS.join(', ');
  if (!Array.isArray(kinds)) {
    return [`${strategy}: the known violation in '${scenario}' must list its kinds in an array (one or more of: ${known}), got ${shown(kinds)}`];
  }
  if (kinds.length === 0) return [`${strategy}: the known violation in '${scenario}' names no kinds (one or more of: ${known})`];
  return (kinds as unknown[])
    .filter((kind) => !VIOLATION_KINDS.includes(kind as ViolationKind))
    .map((kind) => `${strategy}: unknown violation kind ${typeof kind === 'string' ? `'${kind}'` : shown(kind)} in '${scenario}' (known: ${known})`);
}

/** A value of the user's, short, for a message: what it is, not how it prints in a stack trace. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value === 'symbol' ? 'a symbol' : 'an object';
}
