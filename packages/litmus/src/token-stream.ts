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

/** A decimal or hexadecimal literal's value. */
export function numberValue(token: Token): number {
  return token.text.startsWith('0x') || token.text.startsWith('0X') ? Number.parseInt(token.text.slice(2), 16) : Number(token.text);
}
