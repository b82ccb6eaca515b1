import type { Expression, Process, Statement } from './ast.js';
import type { ProcessShape } from './models/port.js';
import { primitives } from './primitives.js';

// What a memory model needs to know of a process before it runs: how many stores it can make
// (a store buffer's size), whether it makes them all on every run (then its flusher knows when
// the last one is flushed), and whether it may read back a location it stored to (store-to-load
// forwarding). All come from the program text: litmus code has no loops.

/** A pointer the text names directly (`x`), or '?' for one computed at run time (`r0`, `*p`). */
type LocationKey = string;

export function processShape(process: Process): ProcessShape {
  const parameters = new Set(process.parameters.map((parameter) => parameter.name));
  const key = (pointer: Expression | undefined): LocationKey => (pointer?.kind === 'name' && parameters.has(pointer.name) ? pointer.name : '?');
  const loads = new Set<LocationKey>();
  const stores: LocationKey[] = [];
  /** Above 0 inside a branch (an if's, or the right side of && and ||): what is there may not run. */
  let branches = 0;
  let storesInBranches = 0;
  const stored = (pointer: Expression | undefined): void => {
    stores.push(key(pointer));
    if (branches > 0) storesInBranches++;
  };
  const inExpression = (expression: Expression): void => {
    switch (expression.kind) {
      case 'deref':
        loads.add(key(expression.pointer));
        inExpression(expression.pointer);
        return;
      case 'unary':
        inExpression(expression.operand);
        return;
      case 'binary': {
        inExpression(expression.left);
        const branch = expression.operator === '&&' || expression.operator === '||' ? 1 : 0;
        branches += branch;
        inExpression(expression.right);
        branches -= branch;
        return;
      }
      case 'call': {
        const primitive = primitives.get(expression.name);
        if (primitive?.kind === 'load' || (primitive?.kind === 'lock' && primitive.operation === 'is_locked')) loads.add(key(expression.args[0]));
        if (primitive?.kind === 'store' || (primitive?.kind === 'lock' && primitive.operation === 'unlock')) stored(expression.args[0]);
        expression.args.forEach(inExpression);
        return;
      }
      case 'number':
      case 'name':
        return;
    }
  };
  visit(process.body, { inExpression, plainStore: stored, enterBranch: () => { branches++; }, leaveBranch: () => { branches--; } });
  const locations = new Set(stores);
  const unknown = locations.has('?') || loads.has('?');
  const overlap = [...locations].some((location) => loads.has(location));
  return {
    storeSites: stores.length,
    storesAlways: storesInBranches === 0,
    mayReadOwnStore: locations.size > 0 && loads.size > 0 && (unknown || overlap),
  };
}

interface Visitor {
  inExpression(expression: Expression): void;
  plainStore(pointer: Expression): void;
  enterBranch(): void;
  leaveBranch(): void;
}

function visit(statements: readonly Statement[], visitor: Visitor): void {
  for (const statement of statements) {
    switch (statement.kind) {
      case 'declare':
        if (statement.init !== undefined) visitor.inExpression(statement.init);
        break;
      case 'assign':
        visitor.inExpression(statement.value);
        break;
      case 'store':
        visitor.plainStore(statement.pointer);
        visitor.inExpression(statement.pointer);
        visitor.inExpression(statement.value);
        break;
      case 'expression':
        visitor.inExpression(statement.expression);
        break;
      case 'if':
        visitor.inExpression(statement.condition);
        visitor.enterBranch();
        visit(statement.then, visitor);
        visit(statement.otherwise, visitor);
        visitor.leaveBranch();
        break;
    }
  }
}
