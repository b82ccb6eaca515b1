import type { Expression, Process, Statement } from './ast.js';
import type { ProcessShape } from './models/port.js';
import { primitives } from './primitives.js';

// What a memory model needs to know of a process before it runs: how many stores it can make
// (a store buffer's size) and whether it may read back a location it stored to (store-to-load
// forwarding). Both come from the program text: litmus code has no loops.

/** A pointer the text names directly (`x`), or '?' for one computed at run time (`r0`, `*p`). */
type LocationKey = string;

export function processShape(process: Process): ProcessShape {
  const parameters = new Set(process.parameters.map((parameter) => parameter.name));
  const key = (pointer: Expression | undefined): LocationKey => (pointer?.kind === 'name' && parameters.has(pointer.name) ? pointer.name : '?');
  const loads = new Set<LocationKey>();
  const stores: LocationKey[] = [];
  const inExpression = (expression: Expression): void => {
    switch (expression.kind) {
      case 'deref':
        loads.add(key(expression.pointer));
        inExpression(expression.pointer);
        return;
      case 'unary':
        inExpression(expression.operand);
        return;
      case 'binary':
        inExpression(expression.left);
        inExpression(expression.right);
        return;
      case 'call': {
        const primitive = primitives.get(expression.name);
        const target = key(expression.args[0]);
        if (primitive?.kind === 'load' || (primitive?.kind === 'lock' && primitive.operation === 'is_locked')) loads.add(target);
        if (primitive?.kind === 'store' || (primitive?.kind === 'lock' && primitive.operation === 'unlock')) stores.push(target);
        expression.args.forEach(inExpression);
        return;
      }
      case 'number':
      case 'name':
        return;
    }
  };
  visit(process.body, inExpression, (pointer) => stores.push(key(pointer)));
  const stored = new Set(stores);
  const unknown = stored.has('?') || loads.has('?');
  const overlap = [...stored].some((location) => loads.has(location));
  return { storeSites: stores.length, mayReadOwnStore: stored.size > 0 && loads.size > 0 && (unknown || overlap) };
}

function visit(statements: readonly Statement[], inExpression: (expression: Expression) => void, plainStore: (pointer: Expression) => void): void {
  for (const statement of statements) {
    switch (statement.kind) {
      case 'declare':
        if (statement.init !== undefined) inExpression(statement.init);
        break;
      case 'assign':
        inExpression(statement.value);
        break;
      case 'store':
        plainStore(statement.pointer);
        inExpression(statement.pointer);
        inExpression(statement.value);
        break;
      case 'expression':
        inExpression(statement.expression);
        break;
      case 'if':
        inExpression(statement.condition);
        visit(statement.then, inExpression, plainStore);
        visit(statement.otherwise, inExpression, plainStore);
        break;
    }
  }
}
