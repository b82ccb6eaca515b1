import type { SourcePosition } from './ast.js';
import { ParseFailure } from './errors.js';

export type TokenKind = 'identifier' | 'number' | 'punctuation' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly at: SourcePosition;
}

// Longest first, so that `/\` is not read as `/` and `\`, nor `==` as two `=`.
const PUNCTUATION = ['/\\', '\\/', '==', '!=', '<=', '>=', '&&', '||', '{', '}', '(', ')', '[', ']', ';', ',', '*', '=', '!', '+', '-', '&', '|', ':', '~', '<', '>'];

/**
 * Splits a litmus file into tokens. Three kinds of comment are skipped: C's `//` and `/* *\/`, and
 * the litmus format's own `(* ... *)` (which nests, as OCaml's does). The last is recognised only
 * outside braces: inside a process body `(*x` is C, as in `READ_ONCE(*x)`.
 */
export class Lexer {
  private offset = 0;
  private line = 1;
  private column = 1;
  private braceDepth = 0;

  constructor(private readonly source: string) {}

  get position(): SourcePosition {
    return { line: this.line, column: this.column };
  }

  next(): Token {
    this.skipBlanks();
    const at = this.position;
    const rest = this.source.slice(this.offset);
    if (rest.length === 0) return { kind: 'end', text: '', at };
    // A number runs on through letters too, so that 0xZZ or 12ab is one bad number, not two tokens.
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) ?? /^[0-9][A-Za-z0-9_]*/.exec(rest);
    if (word !== null) {
      this.advance(word[0].length);
      return { kind: /^[0-9]/.test(word[0]) ? 'number' : 'identifier', text: word[0], at };
    }
    const punctuation = PUNCTUATION.find((text) => rest.startsWith(text));
    if (punctuation === undefined) throw new ParseFailure({ kind: 'syntax', ...at, message: `unexpected character '${rest[0] ?? ''}'` });
    if (punctuation === '{') this.braceDepth++;
    if (punctuation === '}') this.braceDepth = Math.max(0, this.braceDepth - 1);
    this.advance(punctuation.length);
    return { kind: 'punctuation', text: punctuation, at };
  }

  /** The test's name after `C`: everything up to the end of the line but blanks (names hold `+`, `.` and `-`). */
  restOfLine(): { readonly text: string; readonly at: SourcePosition } {
    while (this.source[this.offset] === ' ' || this.source[this.offset] === '\t') this.advance(1);
    const at = this.position;
    const end = this.source.indexOf('\n', this.offset);
    const text = this.source.slice(this.offset, end === -1 ? undefined : end).trim();
    this.advance((end === -1 ? this.source.length : end) - this.offset);
    return { text, at };
  }

  private skipBlanks(): void {
    for (;;) {
      const rest = this.source.slice(this.offset, this.offset + 2);
      if (/^\s/.test(rest)) this.advance(1);
      else if (rest === '//') this.skipUntil('\n', 0);
      else if (rest === '/*') this.skipUntil('*/', 2);
      else if (rest === '(*' && this.braceDepth === 0) this.skipLitmusComment();
      else return;
    }
  }

  private skipUntil(end: string, endLength: number): void {
    const at = this.position;
    const found = this.source.indexOf(end, this.offset + 2);
    if (found === -1 && endLength > 0) throw new ParseFailure({ kind: 'syntax', ...at, message: `comment not closed: expected '${end}'` });
    this.advance((found === -1 ? this.source.length : found + endLength) - this.offset);
  }

  private skipLitmusComment(): void {
    const at = this.position;
    let depth = 0;
    do {
      if (this.offset >= this.source.length) throw new ParseFailure({ kind: 'syntax', ...at, message: "comment not closed: expected '*)'" });
      const pair = this.source.slice(this.offset, this.offset + 2);
      if (pair === '(*') depth++;
      if (pair === '*)') depth--;
      this.advance(pair === '(*' || pair === '*)' ? 2 : 1);
    } while (depth > 0);
  }

  private advance(count: number): void {
    for (let index = 0; index < count; index++) {
      if (this.source[this.offset] === '\n') {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
      this.offset++;
    }
  }
}
