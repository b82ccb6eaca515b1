import type { Condition, Expression, FinalLocation, LitmusTest, Process, SourcePosition, Statement } from './ast.js';
import { litmusError, type LitmusError } from './errors.js';

/** What the compiler needs to know of the names in a test, once they have been checked. */
export interface Names {
  /** Shared locations in the order they are allocated: the initial state's, then the parameters'. */
  readonly shared: readonly string[];
  /** Per process, its registers in the order they are declared. */
  readonly registers: readonly (readonly string[])[];
}

/**
 * Checks what the grammar cannot: processes numbered P0, P1, ... in order, every name used
 * declared (a register of the process, or a shared location), and the final condition naming
 * only registers and locations that exist.
 */
export function checkNames(test: LitmusTest): { readonly ok: true; readonly value: Names } | { readonly ok: false; readonly error: LitmusError } {
  const shared = [...new Set([...test.initial.map((location) => location.name), ...test.processes.flatMap((process) => process.parameters.map((parameter) => parameter.name))])];
  const registers: string[][] = [];
  for (const [position, process] of test.processes.entries()) {
    if (process.index !== position) return litmusError('syntax', process.at, `expected P${position}, found P${process.index}: processes are numbered from P0 in order`);
    const problem = checkProcess(process, registerNames(process.body));
    if (problem !== undefined) return { ok: false, error: problem };
    registers.push(registerNames(process.body));
  }
  for (const location of test.initial) {
    if (location.value.kind === 'address' && !shared.includes(location.value.of)) return litmusError('undeclared', location.at, `'${location.value.of}' is not a location of this test`);
  }
  const finalProblem = [...test.locations.map((location) => checkFinal(location, shared, registers)), checkCondition(test.exists, shared, registers), test.filter === undefined ? undefined : checkCondition(test.filter, shared, registers)].find((problem) => problem !== undefined);
  return finalProblem === undefined ? { ok: true, value: { shared, registers } } : { ok: false, error: finalProblem };
}

function registerNames(body: readonly Statement[]): string[] {
  const names: string[] = [];
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'declare' && !names.includes(statement.name)) names.push(statement.name);
      if (statement.kind === 'if') {
        visit(statement.then);
        visit(statement.otherwise);
      }
    }
  };
  visit(body);
  return names;
}

function checkProcess(process: Process, registers: readonly string[]): LitmusError | undefined {
  const parameters = process.parameters.map((parameter) => parameter.name);
  const known = (name: string, at: SourcePosition): LitmusError | undefined =>
    registers.includes(name) || parameters.includes(name) ? undefined : { kind: 'undeclared', ...at, message: `'${name}' is not declared in P${process.index}` };
  const inExpression = (expression: Expression): LitmusError | undefined => {
    switch (expression.kind) {
      case 'number': return undefined;
      case 'name': return known(expression.name, expression.at);
      case 'deref': return inExpression(expression.pointer);
      case 'unary': return inExpression(expression.operand);
      case 'binary': return inExpression(expression.left) ?? inExpression(expression.right);
      case 'call': return expression.args.map(inExpression).find((problem) => problem !== undefined);
    }
  };
  const inStatements = (statements: readonly Statement[]): LitmusError | undefined => {
    for (const statement of statements) {
      const problem = inStatement(statement);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  const inStatement = (statement: Statement): LitmusError | undefined => {
    switch (statement.kind) {
      case 'declare': return statement.init === undefined ? undefined : inExpression(statement.init);
      case 'assign':
        if (!registers.includes(statement.register)) return { kind: 'undeclared', ...statement.at, message: `'${statement.register}' is not a register of P${process.index}: declare it (int ${statement.register};) or store through a pointer (*${statement.register} = ...)` };
        return inExpression(statement.value);
      case 'store': return inExpression(statement.pointer) ?? inExpression(statement.value);
      case 'expression': return inExpression(statement.expression);
      case 'if': return inExpression(statement.condition) ?? inStatements(statement.then) ?? inStatements(statement.otherwise);
    }
  };
  return inStatements(process.body);
}

function checkFinal(location: FinalLocation, shared: readonly string[], registers: readonly (readonly string[])[]): LitmusError | undefined {
  if (location.kind === 'shared') return shared.includes(location.name) ? undefined : { kind: 'undeclared', ...location.at, message: `'${location.name}' is not a location of this test` };
  const own = registers[location.process];
  if (own === undefined) return { kind: 'undeclared', ...location.at, message: `there is no process P${location.process}` };
  return own.includes(location.name) ? undefined : { kind: 'undeclared', ...location.at, message: `'${location.name}' is not a register of P${location.process}` };
}

function checkCondition(condition: Condition, shared: readonly string[], registers: readonly (readonly string[])[]): LitmusError | undefined {
  switch (condition.kind) {
    case 'and':
    case 'or': return checkCondition(condition.left, shared, registers) ?? checkCondition(condition.right, shared, registers);
    case 'not': return checkCondition(condition.operand, shared, registers);
    case 'true':
    case 'false': return undefined;
    case 'equals': {
      const value = condition.value;
      if (value.kind === 'address' && !shared.includes(value.of)) return { kind: 'undeclared', ...condition.location.at, message: `'${value.of}' is not a location of this test` };
      return checkFinal(condition.location, shared, registers);
    }
  }
}
