import type { Condition, FinalLocation, InitialLocation, InitialValue, LitmusTest, Process } from './ast.js';
import { ParseFailure, type LitmusResult } from './errors.js';
import { parseProcess } from './parse-code.js';
import { checkNames } from './validate.js';
import { describe, numberValue, TokenStream } from './token-stream.js';

/**
 * Parses a C litmus test: `C name`, an optional `(* ... *)` comment, the `{ ... }` initial
 * state, processes `P0(...) { ... }` in order, then `locations [...]`, `filter (...)` and
 * `exists (...)`. A syntax error names its line, column and the token that was expected; a name
 * that is not declared, or a register the condition names that no process has, is an error too.
 */
export function parseLitmus(source: string): LitmusResult<LitmusTest> {
  try {
    const test = parseTest(new TokenStream(source), source);
    const names = checkNames(test);
    return names.ok ? { ok: true, value: test } : names;
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, error: error.error };
    throw error;
  }
}

function parseTest(stream: TokenStream, source: string): LitmusTest {
  const lexer = stream.lexerWithoutLookahead;
  const start = lexer.next();
  if (start.kind !== 'identifier' || start.text !== 'C') {
    stream.fail(start.at, `expected 'C' and the test's name on the first line (only C litmus tests are supported), found ${describe(start)}`);
  }
  const name = lexer.restOfLine();
  if (name.text === '') stream.fail(name.at, "expected the test's name after 'C'");
  const initial = parseInitial(stream);
  const processes: Process[] = [];
  while (stream.peek().kind === 'identifier' && /^P[0-9]+$/.test(stream.peek().text)) processes.push(parseProcess(stream));
  if (processes.length === 0) stream.fail(stream.peek().at, `expected a process such as P0(int *x), found ${describe(stream.peek())}`);
  const locations = stream.accept('locations') ? parseLocations(stream) : [];
  const filter = stream.accept('filter') ? parseCondition(stream) : undefined;
  const quantifier = stream.peek();
  if (quantifier.text === '~' || quantifier.text === 'forall') {
    throw new ParseFailure({ kind: 'unsupported', ...quantifier.at, message: `unsupported final condition '${quantifier.text === '~' ? '~exists' : 'forall'}'; supported: exists` });
  }
  stream.expect('exists', 'to start the final condition');
  const exists = parseCondition(stream);
  const end = stream.peek();
  if (end.kind !== 'end') stream.fail(end.at, `expected the end of the file after the exists clause, found ${describe(end)}`);
  return { name: name.text, documentedResult: documentedResult(source), initial, processes, locations, filter, exists };
}

/** The `Result:` line of the kernel's comment: LKMM's answer, kept for comparison, never used to answer. */
function documentedResult(source: string): 'Sometimes' | 'Never' | undefined {
  const match = /^\s*\*?\s*Result:\s*(Sometimes|Never)\b/m.exec(source);
  return match?.[1] === 'Sometimes' || match?.[1] === 'Never' ? match[1] : undefined;
}

/** `{ int x; int y = 1; int *p = y; x=1; }`: each location with its type and initial value (0 when not given). */
function parseInitial(stream: TokenStream): InitialLocation[] {
  stream.expect('{', 'to open the initial state');
  const locations: InitialLocation[] = [];
  while (!stream.accept('}')) {
    const words: string[] = [];
    while (stream.peek().kind === 'identifier' || stream.peek().text === '*') words.push(stream.next().text);
    if (stream.peek().text === ':') {
      const token = stream.peek();
      throw new ParseFailure({ kind: 'unsupported', ...token.at, message: 'unsupported initial register value; supported: initial values of shared locations' });
    }
    const nameText = words.pop();
    const at = stream.peek().at;
    if (nameText === undefined || nameText === '*') stream.fail(at, `expected a location such as 'int x;' in the initial state, found ${describe(stream.peek())}`);
    const value: InitialValue = stream.accept('=') ? parseValue(stream) : { kind: 'number', value: 0 };
    stream.expect(';', `after the initial value of ${nameText}`);
    locations.push({ name: nameText, type: words.join(' ').replace(/ \*/g, '*') || 'int', value, at });
  }
  return locations;
}

function parseValue(stream: TokenStream): InitialValue {
  const negative = stream.accept('-');
  stream.accept('&');
  const token = stream.next();
  if (token.kind === 'number') return { kind: 'number', value: (negative ? -1 : 1) * numberValue(token, negative) };
  if (token.kind === 'identifier' && !negative) return { kind: 'address', of: token.text };
  stream.fail(token.at, `expected a number or a location's name, found ${describe(token)}`);
}

function parseLocations(stream: TokenStream): FinalLocation[] {
  stream.expect('[', "after 'locations'");
  const locations: FinalLocation[] = [];
  while (!stream.accept(']')) {
    locations.push(parseFinalLocation(stream));
    if (!stream.accept(';') && stream.peek().text !== ']') stream.expect(']', 'to close the locations');
  }
  return locations;
}

function parseFinalLocation(stream: TokenStream): FinalLocation {
  const token = stream.next();
  if (token.kind === 'number') {
    stream.expect(':', `after the process number ${token.text}`);
    if (!/^[0-9]+$/.test(token.text)) stream.fail(token.at, `expected a process number such as 0 before ':', found '${token.text}'`);
    return { kind: 'register', process: Number(token.text), name: stream.identifier('of a register such as 0:r0').text, at: token.at };
  }
  if (token.kind === 'identifier') return { kind: 'shared', name: token.text, at: token.at };
  stream.fail(token.at, `expected a location such as x or 0:r0, found ${describe(token)}`);
}

/** `0:r0=1 /\ ~(1:r0=0 \/ x=2)`: \/ binds looser than /\, and ~ tightest. */
function parseCondition(stream: TokenStream): Condition {
  let left = parseConjunction(stream);
  while (stream.accept('\\/')) left = { kind: 'or', left, right: parseConjunction(stream) };
  return left;
}

function parseConjunction(stream: TokenStream): Condition {
  let left = parseConditionAtom(stream);
  while (stream.accept('/\\')) left = { kind: 'and', left, right: parseConditionAtom(stream) };
  return left;
}

function parseConditionAtom(stream: TokenStream): Condition {
  if (stream.accept('~')) return { kind: 'not', operand: parseConditionAtom(stream) };
  if (stream.accept('(')) {
    const inner = parseCondition(stream);
    stream.expect(')', 'to close the parenthesis in the condition');
    return inner;
  }
  if (stream.accept('true')) return { kind: 'true' };
  if (stream.accept('false')) return { kind: 'false' };
  const location = parseFinalLocation(stream);
  if (stream.accept('!=')) return { kind: 'not', operand: { kind: 'equals', location, value: parseValue(stream) } };
  stream.expect('=', `after ${location.kind === 'register' ? `${location.process}:${location.name}` : location.name} in the condition`);
  return { kind: 'equals', location, value: parseValue(stream) };
}
