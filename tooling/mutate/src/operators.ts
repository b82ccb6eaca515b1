import ts from 'typescript';
import type { Edit } from './mutant.js';

// The mutation operators. Each looks at one node of a strategy's source and proposes the
// mutants it makes there: a protection dropped, an order changed, a test inverted, a count off by
// one. They propose only changes a plausible mistake in kernel code would make, so that a
// surviving mutant says something about the suite, not about the operator.

export interface Proposal {
  readonly operator: string;
  /** Where the mutant is reported (its id's line and column). */
  readonly at: ts.Node;
  readonly description: string;
  readonly edits: readonly Edit[];
}

export type Operator = (node: ts.Node, source: ts.SourceFile) => Proposal[];

/** Calls that open a protected section, with the call that closes it: dropped together, since one alone only unbalances the machine. */
const SECTION_PAIRS: Readonly<Record<string, { readonly close: string; readonly operator: string }>> = {
  preemptDisable: { close: 'preemptEnable', operator: 'drop-preempt' },
  localIrqDisable: { close: 'localIrqEnable', operator: 'drop-irq-off' },
  readLock: { close: 'readUnlock', operator: 'drop-rcu-read' },
  spinLock: { close: 'spinUnlock', operator: 'drop-lock' },
  spinLockIrqsave: { close: 'spinUnlockIrqrestore', operator: 'drop-lock' },
  spinLockIrq: { close: 'spinUnlockIrq', operator: 'drop-lock' },
};
const SECTION_CLOSES = new Set(Object.values(SECTION_PAIRS).map((pair) => pair.close));

/** Operations whose removal has a name of its own in the report. */
const NAMED_DROPS: Readonly<Record<string, string>> = {
  wakeUpProcess: 'drop-wake',
  run: 'drop-stop',
  synchronize: 'drop-stop',
  synchronizeExpedited: 'drop-stop',
  setCurrentState: 'drop-state',
};

/** Calls a sleeping wait loop makes: a loop holding one is a wait. */
const WAIT_CALLS = new Set(['schedule', 'scheduleTimeout', 'cpuRelax', 'waitEvent']);

/** Calls whose numeric arguments are sizes or durations, not counts. */
const NOT_COUNTS = new Set(['alloc', 'allocPerCpu', 'work', 'scheduleTimeout']);

const NEGATED: Readonly<Partial<Record<ts.SyntaxKind, string>>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: '!==',
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: '===',
  [ts.SyntaxKind.EqualsEqualsToken]: '!=',
  [ts.SyntaxKind.ExclamationEqualsToken]: '==',
  [ts.SyntaxKind.LessThanToken]: '>=',
  [ts.SyntaxKind.GreaterThanEqualsToken]: '<',
  [ts.SyntaxKind.GreaterThanToken]: '<=',
  [ts.SyntaxKind.LessThanEqualsToken]: '>',
};

/** The call a statement performs as one operation (`yield op()`, `yield* helper()`, or `const x = yield ...`), if any. */
export function operationOf(statement: ts.Node): ts.CallExpression | undefined {
  let expression: ts.Expression | undefined;
  if (ts.isExpressionStatement(statement)) expression = statement.expression;
  else if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1) expression = statement.declarationList.declarations[0]?.initializer;
  if (expression === undefined || !ts.isYieldExpression(expression) || expression.expression === undefined) return undefined;
  return ts.isCallExpression(expression.expression) ? expression.expression : undefined;
}

export function calleeName(call: ts.CallExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return '';
}

function remove(node: ts.Node, source: ts.SourceFile): Edit {
  return { start: node.getStart(source), end: node.getEnd(), text: ';' };
}

function shown(node: ts.Node, source: ts.SourceFile): string {
  const text = node.getText(source).replace(/\s+/g, ' ');
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/** The function body a node belongs to. */
function enclosingBody(node: ts.Node): ts.Node | undefined {
  for (let up = node.parent as ts.Node | undefined; up !== undefined; up = up.parent) {
    if (ts.isFunctionLike(up)) return up;
  }
  return undefined;
}

function statementsWithin(root: ts.Node, keep: (node: ts.Node) => boolean): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (keep(node)) found.push(node);
    // A nested function is another body: its sections pair up on their own.
    if (node === root || !ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** Drops a preempt-off, IRQ-off, RCU read-side or locked section's opening and its closings together. */
export const dropSection: Operator = (node, source) => {
  const call = operationOf(node);
  const pair = call === undefined ? undefined : SECTION_PAIRS[calleeName(call)];
  const body = enclosingBody(node);
  if (call === undefined || pair === undefined || body === undefined) return [];
  const lockText = call.arguments[0]?.getText(source);
  const closes = statementsWithin(body, (statement) => {
    const closing = operationOf(statement);
    return closing !== undefined && calleeName(closing) === pair.close && (lockText === undefined || closing.arguments[0]?.getText(source) === lockText);
  });
  if (closes.length === 0) return [];
  return [{ operator: pair.operator, at: node, description: `drop \`${shown(node, source)}\` and its ${closes.length} closing call(s)`, edits: [remove(node, source), ...closes.map((close) => remove(close, source))] }];
};

/** Drops one operation statement: a wake, a stop step, a state change, a store, a delegation. */
export const dropOperation: Operator = (node, source) => {
  const call = operationOf(node);
  if (call === undefined || !ts.isExpressionStatement(node)) return [];
  const name = calleeName(call);
  if (SECTION_PAIRS[name] !== undefined || SECTION_CLOSES.has(name)) return [];
  const delegation = (node.expression as ts.YieldExpression).asteriskToken !== undefined;
  const operator = NAMED_DROPS[name] ?? (delegation ? 'drop-delegation' : 'drop-op');
  return [{ operator, at: node, description: `drop \`${shown(node, source)}\``, edits: [remove(node, source)] }];
};

/** Runs a stop_machine callback directly on the caller's CPU, as if the machine were not stopped. */
export const runUnstopped: Operator = (node, source) => {
  const call = operationOf(node);
  if (call === undefined || calleeName(call) !== 'run' || call.arguments.length < 2) return [];
  const [self, callback] = call.arguments;
  if (self === undefined || callback === undefined || !(ts.isFunctionExpression(callback) || ts.isArrowFunction(callback))) return [];
  const text = `(${callback.getText(source)})(${self.getText(source)})`;
  return [{ operator: 'unstop', at: node, description: `run the callback of \`${shown(call.expression, source)}\` without stopping the machine`, edits: [{ start: call.getStart(source), end: call.getEnd(), text }] }];
};

function containsCall(node: ts.Node, names: ReadonlySet<string>): boolean {
  if (ts.isCallExpression(node) && names.has(calleeName(node))) return true;
  return ts.forEachChild(node, (child) => containsCall(child, names) || undefined) ?? false;
}

/** Drops a whole wait loop (set the state, test, schedule): the waiter no longer waits. */
export const dropWaitLoop: Operator = (node, source) => {
  const loop = ts.isWhileStatement(node) || ts.isForStatement(node) || ts.isDoStatement(node);
  if (!loop || !containsCall(node, WAIT_CALLS)) return [];
  return [{ operator: 'drop-wait-loop', at: node, description: `drop the wait loop \`${shown(node, source)}\``, edits: [remove(node, source)] }];
};

function containsYield(node: ts.Node): boolean {
  if (ts.isYieldExpression(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => containsYield(child) || undefined) ?? false;
}

function declaredNames(statement: ts.Statement): Set<string> {
  const names = new Set<string>();
  if (!ts.isVariableStatement(statement)) return names;
  const collect = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) collect(element.name);
  };
  for (const declaration of statement.declarationList.declarations) collect(declaration.name);
  return names;
}

function usesAny(node: ts.Node, names: ReadonlySet<string>): boolean {
  if (ts.isIdentifier(node) && names.has(node.text)) return true;
  return ts.forEachChild(node, (child) => usesAny(child, names) || undefined) ?? false;
}

function mentionsFlaw(statement: ts.Statement, source: ts.SourceFile): boolean {
  return ts.isIfStatement(statement) && /\bflaw\b/.test(statement.expression.getText(source));
}

const ENDS_FLOW = new Set([ts.SyntaxKind.ReturnStatement, ts.SyntaxKind.ThrowStatement, ts.SyntaxKind.BreakStatement, ts.SyntaxKind.ContinueStatement]);

/**
 * Swaps two adjacent statements of a block when at least one is an operation (a load moved past
 * a store, a wake before the decrement). Skipped where the second uses what the first declares:
 * that mutant only throws a ReferenceError, which any run kills.
 */
export const swapStatements: Operator = (node, source) => {
  if (!ts.isBlock(node)) return [];
  const proposals: Proposal[] = [];
  const statements = node.statements;
  for (let index = 0; index + 1 < statements.length; index++) {
    const first = statements[index];
    const second = statements[index + 1];
    if (first === undefined || second === undefined) continue;
    if (ENDS_FLOW.has(first.kind) || ENDS_FLOW.has(second.kind)) continue;
    if (!containsYield(first) && !containsYield(second)) continue;
    if (usesAny(second, declaredNames(first))) continue;
    // A flawed variant's branch does nothing in the sound design: moving it changes nothing.
    if (mentionsFlaw(first, source) || mentionsFlaw(second, source)) continue;
    const edits = [
      { start: first.getStart(source), end: first.getEnd(), text: second.getText(source) },
      { start: second.getStart(source), end: second.getEnd(), text: first.getText(source) },
    ];
    proposals.push({ operator: 'swap', at: first, description: `swap \`${shown(first, source)}\` with the next statement \`${shown(second, source)}\``, edits });
  }
  return proposals;
};

function isComparison(expression: ts.Expression): boolean {
  const inner = ts.isParenthesizedExpression(expression) ? expression.expression : expression;
  return ts.isBinaryExpression(inner) && NEGATED[inner.operatorToken.kind] !== undefined;
}

/** Inverts the test of an if, a loop or a conditional expression (a comparison is left to negateComparison). */
export const invertCondition: Operator = (node, source) => {
  let condition: ts.Expression | undefined;
  if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) condition = node.expression;
  else if (ts.isConditionalExpression(node)) condition = node.condition;
  else if (ts.isForStatement(node)) condition = node.condition;
  if (condition === undefined || isComparison(condition) || condition.kind === ts.SyntaxKind.TrueKeyword) return [];
  const text = ts.isPrefixUnaryExpression(condition) && condition.operator === ts.SyntaxKind.ExclamationToken
    ? condition.operand.getText(source)
    : `!(${condition.getText(source)})`;
  return [{ operator: 'invert', at: node, description: `invert the test \`${shown(condition, source)}\``, edits: [{ start: condition.getStart(source), end: condition.getEnd(), text }] }];
};

/** Negates a comparison: === and !==, < and >=, > and <=. */
export const negateComparison: Operator = (node, source) => {
  if (!ts.isBinaryExpression(node)) return [];
  const negated = NEGATED[node.operatorToken.kind];
  if (negated === undefined) return [];
  const token = node.operatorToken;
  return [{ operator: 'negate', at: node, description: `negate \`${shown(node, source)}\` (${token.getText(source)} to ${negated})`, edits: [{ start: token.getStart(source), end: token.getEnd(), text: negated }] }];
};

function inNonCountArgument(literal: ts.Node): boolean {
  const parent = literal.parent;
  return ts.isCallExpression(parent) && NOT_COUNTS.has(calleeName(parent)) && parent.arguments.some((argument) => argument === literal);
}

/** A count or a delta off by one (n+1, n-1), and a delta of the wrong sign (1 and -1). */
export const offByOne: Operator = (node, source) => {
  if (!ts.isNumericLiteral(node)) return [];
  const negative = ts.isPrefixUnaryExpression(node.parent) && node.parent.operator === ts.SyntaxKind.MinusToken;
  const span = negative ? node.parent : node;
  if (inNonCountArgument(span)) return [];
  const value = (negative ? -1 : 1) * Number(node.text.replace(/_/g, ''));
  const variants: [string, number][] = [['plus-one', value + 1], ['minus-one', value - 1]];
  if (value !== 0 && Math.abs(value) === 1) variants.push(['flip-sign', -value]);
  return variants.map(([operator, replaced]) => ({
    operator,
    at: span,
    description: `${span.getText(source)} becomes ${replaced} in \`${shown(span.parent, source)}\``,
    edits: [{ start: span.getStart(source), end: span.getEnd(), text: replaced < 0 ? `(${replaced})` : String(replaced) }],
  }));
};

export const OPERATORS: readonly Operator[] = [dropSection, dropOperation, runUnstopped, dropWaitLoop, swapStatements, invertCondition, negateComparison, offByOne];
