import { cpuRelax, type KernelCode } from '@kmodsim/cpu';
import type { BinaryOperator, Expression, Statement } from './ast.js';
import type { MemoryPort } from './models/port.js';
import { primitives, type AccessOrder, type Primitive } from './primitives.js';

// Runs a process's statements as kernel code on the machine, through its memory model's port.
// Registers are the generator's own locals: the machine runs a body again, fed the same values,
// whenever it restores a checkpoint, and the registers come back with it.

export interface ProcessEnvironment {
  readonly port: MemoryPort;
  readonly registers: Map<string, number>;
  /** Each shared location's address: what the name of a pointer parameter evaluates to. */
  readonly addresses: ReadonlyMap<string, number>;
}

export function* execute(statements: readonly Statement[], env: ProcessEnvironment): KernelCode<void> {
  for (const statement of statements) {
    switch (statement.kind) {
      case 'declare':
        env.registers.set(statement.name, statement.init === undefined ? 0 : yield* evaluate(statement.init, env));
        break;
      case 'assign':
        env.registers.set(statement.register, yield* evaluate(statement.value, env));
        break;
      case 'store': {
        const address = yield* evaluate(statement.pointer, env);
        yield* env.port.store(address, yield* evaluate(statement.value, env), 'once');
        break;
      }
      case 'expression':
        yield* evaluate(statement.expression, env);
        break;
      case 'if':
        yield* execute((yield* evaluate(statement.condition, env)) !== 0 ? statement.then : statement.otherwise, env);
        break;
    }
  }
}

export function* evaluate(expression: Expression, env: ProcessEnvironment): KernelCode<number> {
  switch (expression.kind) {
    case 'number': return expression.value;
    case 'name': return env.registers.get(expression.name) ?? env.addresses.get(expression.name) ?? 0;
    case 'deref': return yield* loadThrough(expression.pointer, 'once', env);
    case 'unary': {
      const operand = yield* evaluate(expression.operand, env);
      return expression.operator === '!' ? Number(operand === 0) : -operand;
    }
    case 'binary': return yield* binary(expression.operator, expression.left, expression.right, env);
    case 'call': {
      const primitive = primitives.get(expression.name);
      if (primitive === undefined) throw new Error(`the parser let an unknown primitive through: ${expression.name}`);
      return yield* call(primitive, expression.args, env);
    }
  }
}

function* binary(operator: BinaryOperator, leftExpression: Expression, rightExpression: Expression, env: ProcessEnvironment): KernelCode<number> {
  const left = yield* evaluate(leftExpression, env);
  // && and || do not evaluate their right side when the left decides, so its loads do not happen.
  if (operator === '&&' && left === 0) return 0;
  if (operator === '||' && left !== 0) return 1;
  const right = yield* evaluate(rightExpression, env);
  switch (operator) {
    case '&&':
    case '||': return Number(right !== 0);
    case '|': return left | right;
    case '&': return left & right;
    case '==': return Number(left === right);
    case '!=': return Number(left !== right);
    case '<': return Number(left < right);
    case '>': return Number(left > right);
    case '<=': return Number(left <= right);
    case '>=': return Number(left >= right);
    case '+': return left + right;
    case '-': return left - right;
  }
}

/**
 * A load at the address `pointer` evaluates to. When that address came from a register (a value
 * read before), the load is address-dependent on that read, which Linux orders (READ_ONCE() and
 * rcu_dereference() carry the dependency): the model's dependency barrier comes first.
 */
function* loadThrough(pointer: Expression, order: AccessOrder, env: ProcessEnvironment): KernelCode<number> {
  const address = yield* evaluate(pointer, env);
  if (mentionsRegister(pointer, env)) {
    const ordering = env.port.fence('dependency');
    if (ordering !== undefined) yield* ordering;
  }
  return yield* env.port.load(address, order);
}

function mentionsRegister(expression: Expression, env: ProcessEnvironment): boolean {
  switch (expression.kind) {
    case 'number': return false;
    case 'name': return env.registers.has(expression.name);
    case 'deref': return true;
    case 'unary': return mentionsRegister(expression.operand, env);
    case 'binary': return mentionsRegister(expression.left, env) || mentionsRegister(expression.right, env);
    case 'call': return true;
  }
}

/** A load's missing argument (the parser counts them, so never used): address 0. */
const NO_POINTER: Expression = { kind: 'number', value: 0, at: { line: 0, column: 0 } };

function* call(primitive: Primitive, args: readonly Expression[], env: ProcessEnvironment): KernelCode<number> {
  if (primitive.kind === 'load') return yield* loadThrough(args[0] ?? NO_POINTER, primitive.order, env);
  const values: number[] = [];
  for (const arg of args) values.push(yield* evaluate(arg, env));
  const [first = 0, second = 0] = values;
  switch (primitive.kind) {
    case 'store':
      yield* env.port.store(first, second, primitive.order);
      return 0;
    case 'fence': {
      const code = env.port.fence(primitive.fence);
      if (code !== undefined) yield* code;
      return 0;
    }
    case 'rmw': return yield* readModifyWrite(primitive, values, env.port);
    case 'lock': return yield* lockOperation(primitive.operation, first, env.port);
  }
}

function* readModifyWrite(primitive: Extract<Primitive, { kind: 'rmw' }>, values: readonly number[], port: MemoryPort): KernelCode<number> {
  const pointer = values[primitive.pointerArg] ?? 0;
  const others = values.filter((_, index) => index !== primitive.pointerArg);
  const operand = primitive.constant ?? (primitive.sign ?? 1) * (others[primitive.operation === 'cmpxchg' ? 1 : 0] ?? 0);
  const old = yield* port.rmw(pointer, primitive.operation, operand, others[0] ?? 0, primitive.order);
  switch (primitive.returns) {
    case 'old': return old;
    case 'new': return old + operand;
    case 'nothing': return 0;
  }
}

/**
 * A spinlock in one cell (0 free, 1 held), so that spin_is_locked() reads the whole lock state in
 * one access. Taking it is a locked exchange, which orders like x86's lock prefix: the model's
 * full barrier first (a store buffer drains), then test-and-test-and-set, whose waiter only
 * reads, so the explorer sees it wait. Releasing it is a release store, as x86's spin_unlock is.
 * Under 'relaxed' a lock is stronger than Linux's acquire: an acquire exchange alone would lose
 * LKMM's po-unlock-lock-po (the stores of a critical section carrying those of the one before,
 * ISA2 through two locks), which the model's views cannot give a plain acquire.
 */
function* lockOperation(operation: 'lock' | 'unlock' | 'trylock' | 'is_locked', cell: number, port: MemoryPort): KernelCode<number> {
  switch (operation) {
    case 'lock': {
      const drain = port.fence('mb');
      if (drain !== undefined) yield* drain;
      for (;;) {
        while ((yield* port.load(cell, 'once')) !== 0) yield cpuRelax();
        if ((yield* port.rmw(cell, 'xchg', 1, 0, 'full')) === 0) return 0;
      }
    }
    case 'unlock':
      yield* port.store(cell, 0, 'release');
      return 0;
    // A compare-and-exchange, so that a trylock that finds the lock held stores nothing and orders
    // nothing under 'relaxed' (LKMM: a failed spin_trylock() has no ordering); one that takes the lock orders as spin_lock().
    case 'trylock': return Number((yield* port.rmw(cell, 'cmpxchg', 1, 0, 'full')) === 0);
    case 'is_locked': return Number((yield* port.load(cell, 'once')) !== 0);
  }
}
