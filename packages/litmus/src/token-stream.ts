import type { SourcePosition } from './ast.js';
import { ParseFailure } from './errors.js';
import { Lexer, type Token } from './lexer.js';

/** The lexer with one token of lookahead, and the helpers every part of the parser uses. */
export class TokenStream {
  private readonly lexer: Lexer;
  private lookahead: Token | undefined;

  constructor(source: string) {
    this.lexer = new Lexer(source);
  }

  get lexerWithoutLookahead(): Lexer {
    if (this.lookahead !== undefined) throw new Error('a token is already looked at');
    return this.lexer;
  }

  peek(): Token {
    this.lookahead ??= this.lexer.next();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** True, and the token taken, when the next token is this punctuation or word. */
  accept(text: string): boolean {
    const token = this.peek();
    if (token.kind === 'end' || token.text !== text) return false;
    this.next();
    return true;
  }

  /** Takes the expected token or fails naming it, and what it was for: "expected ';' after WRITE_ONCE(...)". */
  expect(text: string, context: string): Token {
    const token = this.peek();
    if (token.kind !== 'end' && token.text === text) return this.next();
    this.fail(token.at, `expected '${text}' ${context}, found ${describe(token)}`);
  }

  identifier(context: string): Token {
    const token = this.peek();
    if (token.kind === 'identifier') return this.next();
    this.fail(token.at, `expected a name ${context}, found ${describe(token)}`);
  }

  fail(at: SourcePosition, message: string): never {
    throw new ParseFailure({ kind: 'syntax', ...at, message });
  }
}

export function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the file' : `'${token.text}'`;
}

/** The literals a test may write: a C int's range (and what the store buffers of tso encode exactly). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * A decimal or hexadecimal literal's value; anything else, or a value past a C int, is an error at
 * the literal. `negated`: a minus sign comes before it, so one past INT_MAX is INT_MIN.
 */
export function numberValue(token: Token, negated = false): number {
  const hex = /^0[xX]([0-9a-fA-F]+)$/.exec(token.text);
  const decimal = /^[0-9]+$/.test(token.text);
  if (hex === null && !decimal) throw new ParseFailure({ kind: 'syntax', ...token.at, message: `'${token.text}' is not a number (decimal digits, or 0x and hexadecimal digits)` });
  const value = hex === null ? Number(token.text) : Number.parseInt(hex[1] ?? '', 16);
  if (value > (negated ? INT_MAX + 1 : INT_MAX)) {
    throw new ParseFailure({ kind: 'syntax', ...token.at, message: `number ${negated ? '-' : ''}${token.text} out of range (a C int: ${INT_MIN} to ${INT_MAX})` });
  }
  return value;
}
