import type { Condition, FinalLocation, InitialValue } from './ast.js';

/** A final state: each location the test prints, named as herd7 names it (`0:r0`, `x`), with its value. */
export type FinalState = ReadonlyMap<string, number>;

export function locationName(location: FinalLocation): string {
  return location.kind === 'register' ? `${location.process}:${location.name}` : location.name;
}

/** Whether the condition holds of a final state; a location's name as a value stands for its address. */
export function conditionHolds(condition: Condition, state: FinalState, addresses: ReadonlyMap<string, number>): boolean {
  switch (condition.kind) {
    case 'and': return conditionHolds(condition.left, state, addresses) && conditionHolds(condition.right, state, addresses);
    case 'or': return conditionHolds(condition.left, state, addresses) || conditionHolds(condition.right, state, addresses);
    case 'not': return !conditionHolds(condition.operand, state, addresses);
    case 'true': return true;
    case 'false': return false;
    case 'equals': return state.get(locationName(condition.location)) === valueOf(condition.value, addresses);
  }
}

function valueOf(value: InitialValue, addresses: ReadonlyMap<string, number>): number | undefined {
  return value.kind === 'number' ? value.value : addresses.get(value.of);
}

/** The condition as the litmus file would write it. */
export function formatCondition(condition: Condition): string {
  const inner = (operand: Condition, parent: 'and' | 'or'): string => {
    const text = formatCondition(operand);
    return (operand.kind === 'or' && parent === 'and') ? `(${text})` : text;
  };
  switch (condition.kind) {
    case 'and': return `${inner(condition.left, 'and')} /\\ ${inner(condition.right, 'and')}`;
    case 'or': return `${inner(condition.left, 'or')} \\/ ${inner(condition.right, 'or')}`;
    case 'not': return condition.operand.kind === 'equals' || condition.operand.kind === 'true' || condition.operand.kind === 'false' ? `~${formatCondition(condition.operand)}` : `~(${formatCondition(condition.operand)})`;
    case 'true':
    case 'false': return condition.kind;
    case 'equals': return `${locationName(condition.location)}=${condition.value.kind === 'number' ? condition.value.value : condition.value.of}`;
  }
}

/** `0:r0=0; 1:r0=0; x=1;`, with an address shown as the location's name, as herd7 shows pointers. */
export function formatState(state: FinalState, addresses: ReadonlyMap<string, number>, pointers: ReadonlySet<string>): string {
  const names = new Map([...addresses].map(([name, address]) => [address, name]));
  return [...state].map(([name, value]) => `${name}=${pointers.has(name) ? names.get(value) ?? value : value};`).join(' ');
}
