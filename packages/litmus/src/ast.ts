// The parsed form of a C litmus test, as the Linux kernel's tools/memory-model writes them:
// a name, an initial state, one C function per process, and a condition on the final state.

/** Where something is in the litmus file: 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export type BinaryOperator = '||' | '&&' | '|' | '&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-';
export type UnaryOperator = '!' | '-';

export type Expression =
  | { readonly kind: 'number'; readonly value: number; readonly at: SourcePosition }
  /** A register of this process, or a shared location's name (its address, as C's `int *x` parameter is). */
  | { readonly kind: 'name'; readonly name: string; readonly at: SourcePosition }
  /** `*p`: a plain load from the address `p` evaluates to. */
  | { readonly kind: 'deref'; readonly pointer: Expression; readonly at: SourcePosition }
  | { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Expression; readonly at: SourcePosition }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Expression; readonly right: Expression; readonly at: SourcePosition }
  /** A kernel primitive; its name is one of `primitiveNames` (the parser refuses any other). */
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expression[]; readonly at: SourcePosition };

export type Statement =
  | { readonly kind: 'declare'; readonly name: string; readonly init: Expression | undefined; readonly at: SourcePosition }
  | { readonly kind: 'assign'; readonly register: string; readonly value: Expression; readonly at: SourcePosition }
  /** `*p = v;`: a plain store. */
  | { readonly kind: 'store'; readonly pointer: Expression; readonly value: Expression; readonly at: SourcePosition }
  | { readonly kind: 'expression'; readonly expression: Expression; readonly at: SourcePosition }
  | { readonly kind: 'if'; readonly condition: Expression; readonly then: readonly Statement[]; readonly otherwise: readonly Statement[]; readonly at: SourcePosition };

export interface Parameter {
  readonly name: string;
  readonly type: string;
}

export interface Process {
  /** n of `Pn`. */
  readonly index: number;
  readonly parameters: readonly Parameter[];
  readonly body: readonly Statement[];
  readonly at: SourcePosition;
}

/** An initial value: a number, or the address of another location (`int *p = y;`). */
export type InitialValue = { readonly kind: 'number'; readonly value: number } | { readonly kind: 'address'; readonly of: string };

export interface InitialLocation {
  readonly name: string;
  readonly type: string;
  readonly value: InitialValue;
  readonly at: SourcePosition;
}

/** A location the final condition looks at: a register of one process, or a shared location. */
export type FinalLocation =
  | { readonly kind: 'register'; readonly process: number; readonly name: string; readonly at: SourcePosition }
  | { readonly kind: 'shared'; readonly name: string; readonly at: SourcePosition };

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'equals'; readonly location: FinalLocation; readonly value: InitialValue }
  | { readonly kind: 'true' | 'false' };

export interface LitmusTest {
  readonly name: string;
  /** The `Result:` line of the test's own comment (LKMM's answer), when it has one. */
  readonly documentedResult: 'Sometimes' | 'Never' | undefined;
  readonly initial: readonly InitialLocation[];
  readonly processes: readonly Process[];
  /** `locations [...]`: more to print in the final state. */
  readonly locations: readonly FinalLocation[];
  /** `filter (...)`: only executions whose final state satisfies it count. */
  readonly filter: Condition | undefined;
  readonly exists: Condition;
}
