import type { BinaryOperator, Expression, Parameter, Process, SourcePosition, Statement } from './ast.js';
import { ParseFailure } from './errors.js';
import { primitiveNames, primitives } from './primitives.js';
import { describe, numberValue, type TokenStream } from './token-stream.js';

// The C of a litmus process: declarations, assignments, plain and marked accesses, kernel
// primitives, if/else and integer expressions. No loops: a litmus test has none, and without
// them every process ends, so the explorer's search is finite.

/** Words that start a declaration. */
const TYPE_WORDS = new Set(['int', 'long', 'unsigned', 'signed', 'short', 'char', 'atomic_t', 'atomic_long_t', 'spinlock_t', 'intptr_t', 'uintptr_t', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'bool', 'const', 'volatile']);

/** Binary operators from the loosest to the tightest, as C ranks them. */
const LEVELS: readonly (readonly BinaryOperator[])[] = [['||'], ['&&'], ['|'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-']];

export function parseProcess(stream: TokenStream): Process {
  const header = stream.identifier('for a process such as P0');
  const match = /^P([0-9]+)$/.exec(header.text);
  if (match === null) stream.fail(header.at, `expected a process such as P0, found '${header.text}'`);
  stream.expect('(', `after ${header.text}`);
  const parameters: Parameter[] = [];
  if (!stream.accept(')')) {
    do parameters.push(parseParameter(stream, header.text));
    while (stream.accept(','));
    stream.expect(')', `after the parameters of ${header.text}`);
  }
  return { index: Number(match[1]), parameters, body: parseBlock(stream, `the body of ${header.text}`), at: header.at };
}

/** `int *x`, `spinlock_t *lo`, `int **p`: the type is everything before the name. */
function parseParameter(stream: TokenStream, process: string): Parameter {
  const words: string[] = [];
  for (;;) {
    const token = stream.peek();
    if (token.text === '*') words.push(stream.next().text);
    else if (token.kind === 'identifier') words.push(stream.next().text);
    else break;
  }
  const name = words.pop();
  if (name === undefined || name === '*' || words.length === 0) stream.fail(stream.peek().at, `expected a parameter such as 'int *x' of ${process}, found ${describe(stream.peek())}`);
  return { name, type: words.join(' ').replace(/ \*/g, '*') };
}

function parseBlock(stream: TokenStream, what: string): Statement[] {
  stream.expect('{', `to open ${what}`);
  const statements: Statement[] = [];
  while (!stream.accept('}')) {
    if (stream.peek().kind === 'end') stream.fail(stream.peek().at, `expected '}' to close ${what}, found the end of the file`);
    statements.push(...parseStatement(stream));
  }
  return statements;
}

function parseStatement(stream: TokenStream): Statement[] {
  const token = stream.peek();
  if (token.text === '{') return parseBlock(stream, 'the block');
  if (token.text === ';') {
    stream.next();
    return [];
  }
  if (token.kind === 'identifier' && token.text === 'if') return [parseIf(stream)];
  if (token.kind === 'identifier' && TYPE_WORDS.has(token.text)) return parseDeclaration(stream);
  const expression = parseExpression(stream);
  if (stream.accept('=')) {
    const value = parseExpression(stream);
    stream.expect(';', `after the assignment`);
    if (expression.kind === 'deref') return [{ kind: 'store', pointer: expression.pointer, value, at: token.at }];
    if (expression.kind === 'name') return [{ kind: 'assign', register: expression.name, value, at: token.at }];
    stream.fail(token.at, 'expected a register or a location such as *x before \'=\'');
  }
  stream.expect(';', expression.kind === 'call' ? `after ${expression.name}(...)` : 'after the expression');
  return [{ kind: 'expression', expression, at: token.at }];
}

function parseIf(stream: TokenStream): Statement {
  const at = stream.next().at;
  stream.expect('(', "after 'if'");
  const condition = parseExpression(stream);
  stream.expect(')', 'after the condition of the if');
  const then = parseStatement(stream);
  const otherwise = stream.accept('else') ? parseStatement(stream) : [];
  return { kind: 'if', condition, then, otherwise, at };
}

/** `int r0;`, `int *r0;`, `int r = READ_ONCE(*x);`, `int r0, r1;` */
function parseDeclaration(stream: TokenStream): Statement[] {
  while (stream.peek().kind === 'identifier' && TYPE_WORDS.has(stream.peek().text)) stream.next();
  const declared: Statement[] = [];
  do {
    while (stream.accept('*'));
    const name = stream.identifier('in the declaration');
    const init = stream.accept('=') ? parseExpression(stream) : undefined;
    declared.push({ kind: 'declare', name: name.text, init, at: name.at });
  } while (stream.accept(','));
  stream.expect(';', 'after the declaration');
  return declared;
}

export function parseExpression(stream: TokenStream, level = 0): Expression {
  const operators = LEVELS[level];
  if (operators === undefined) return parseUnary(stream);
  let left = parseExpression(stream, level + 1);
  for (;;) {
    const token = stream.peek();
    const operator = operators.find((candidate) => token.kind === 'punctuation' && token.text === candidate);
    if (operator === undefined) return left;
    stream.next();
    left = { kind: 'binary', operator, left, right: parseExpression(stream, level + 1), at: token.at };
  }
}

function parseUnary(stream: TokenStream): Expression {
  const token = stream.peek();
  if (stream.accept('!')) return { kind: 'unary', operator: '!', operand: parseUnary(stream), at: token.at };
  if (stream.accept('-')) {
    // -2147483648 is a C int; its digits alone are one past the largest.
    const next = stream.peek();
    if (next.kind === 'number') return { kind: 'number', value: -numberValue(stream.next(), true), at: token.at };
    return { kind: 'unary', operator: '-', operand: parseUnary(stream), at: token.at };
  }
  if (stream.accept('*')) return { kind: 'deref', pointer: parseUnary(stream), at: token.at };
  if (stream.accept('(')) {
    const inner = parseExpression(stream);
    stream.expect(')', 'to close the parenthesis');
    return inner;
  }
  if (token.kind === 'number') return { kind: 'number', value: numberValue(stream.next()), at: token.at };
  if (token.kind !== 'identifier') stream.fail(token.at, `expected an expression, found ${describe(token)}`);
  stream.next();
  if (stream.peek().text !== '(') return { kind: 'name', name: token.text, at: token.at };
  return parseCall(stream, token.text, token.at);
}

function parseCall(stream: TokenStream, name: string, at: SourcePosition): Expression {
  const primitive = primitives.get(name);
  if (primitive === undefined) {
    throw new ParseFailure({ kind: 'unsupported', ...at, message: `unsupported primitive '${name}'; supported: ${primitiveNames.join(', ')}` });
  }
  stream.expect('(', `after ${name}`);
  const args: Expression[] = [];
  if (!stream.accept(')')) {
    do args.push(parseExpression(stream));
    while (stream.accept(','));
    stream.expect(')', `to close ${name}(...)`);
  }
  if (args.length !== primitive.arity) stream.fail(at, `${name} takes ${primitive.arity} argument${primitive.arity === 1 ? '' : 's'}, found ${args.length}`);
  const first = args[0];
  // READ_ONCE(*x) names the location itself; every call is kept with the pointer instead, as smp_load_acquire(x) takes it.
  if ((primitive.kind === 'load' || primitive.kind === 'store') && primitive.lvalue && first !== undefined) {
    if (first.kind !== 'deref') stream.fail(first.at, `expected a location such as *x as the first argument of ${name}`);
    args[0] = first.pointer;
  }
  return { kind: 'call', name, args, at };
}
