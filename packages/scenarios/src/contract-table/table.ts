import { CALLER_CONTEXTS, CONTRACT_METHODS, KNOWN_GAPS, UNLOAD_PHASES, cell, cellKey, unreachableBecause } from '../contract.js';
import type { CatalogueScenario } from '../scenario.js';

// The contract coverage table of the catalogue's README, made from the scenarios' own
// declarations (which a test checks against what the scenarios really do).

const METHOD_TEXT = { tryGet: 'try_module_get', get: '__module_get', put: 'module_put' } as const;

/** A Markdown table: one row per method and phase, a column per caller context. */
export function coverageTable(scenarios: readonly CatalogueScenario[]): string {
  const coveredBy = new Map<string, string[]>();
  for (const scenario of scenarios) {
    if (scenario.kind !== 'checked') continue;
    for (const entry of scenario.exercises) coveredBy.set(cellKey(entry), [...(coveredBy.get(cellKey(entry)) ?? []), scenario.name]);
  }
  const notes: string[] = [];
  const lines = [
    `| method | unloader's phase | ${CALLER_CONTEXTS.join(' | ')} |`,
    `| --- | --- | ${CALLER_CONTEXTS.map(() => '---').join(' | ')} |`,
  ];
  for (const method of CONTRACT_METHODS) {
    for (const phase of UNLOAD_PHASES) {
      const cells = CALLER_CONTEXTS.map((context) => {
        const entry = cell(method, phase, context);
        const why = unreachableBecause(entry);
        if (why !== undefined) return noteFor(notes, why);
        const names = coveredBy.get(cellKey(entry));
        if (names !== undefined) return names.map((name) => `\`${name}\``).join(', ');
        return KNOWN_GAPS.includes(cellKey(entry)) ? 'gap' : '**not covered**';
      });
      lines.push(`| \`${METHOD_TEXT[method]}\` | ${phase} | ${cells.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n\n${notes.map((note, index) => `${index + 1}. ${note}`).join('\n')}\n`;
}

/** "n/a (k)", k the number of the note that says why. */
function noteFor(notes: string[], why: string): string {
  let index = notes.indexOf(why);
  if (index < 0) index = notes.push(why) - 1;
  return `n/a (${index + 1})`;
}
