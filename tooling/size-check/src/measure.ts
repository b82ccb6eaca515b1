import ts from 'typescript';

// How long a file is, and each of its functions, in lines, as a reader meets them: a function
// runs from the line its declaration starts on (after its leading comment) to its closing brace,
// and a function inside another counts in both.

export interface FunctionSize {
  /** Where it is, as a reader would look for it: `Class.method`, `outer > inner`, `test('its name')`. */
  readonly name: string;
  /** The line it starts on, from 1. */
  readonly line: number;
  readonly lines: number;
}

export interface FileSize {
  readonly lines: number;
  readonly functions: readonly FunctionSize[];
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.[cm]?js$/.test(path)) return ts.ScriptKind.JS;
  return path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

/** The lines of a text, not counting the empty one after a final newline. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

type FunctionNode = ts.FunctionLikeDeclaration;

function isFunction(node: ts.Node): node is FunctionNode {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)
    || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);
}

function nameText(name: ts.Node | undefined, file: ts.SourceFile): string | undefined {
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(file);
}

/** A call's callee and its first argument when that is a string: `test('name')`, cut to stay readable. */
function callName(call: ts.CallExpression, file: ts.SourceFile): string {
  // `describe.each(table)` reads as `describe.each(…)`: its arguments would only make the name long.
  const callee = call.expression.getText(file).replace(/\s+/g, '').replace(/\(.*\)/, '(…)');
  const first = call.arguments[0];
  const label = first !== undefined && ts.isStringLiteralLike(first) ? first.text : undefined;
  if (label === undefined) return `${callee}(…)`;
  return `${callee}('${label.length > 50 ? `${label.slice(0, 49)}…` : label}')`;
}

/** The name a reader finds a function by, from its own name or from what holds it. */
function ownName(node: FunctionNode, file: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const own = nameText(node.name, file);
  if (own !== undefined) return ts.isGetAccessorDeclaration(node) ? `get ${own}` : ts.isSetAccessorDeclaration(node) ? `set ${own}` : own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return nameText(parent.name, file) ?? '(anonymous)';
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) return callName(parent, file);
  return '(anonymous)';
}

/** Every function in a file's text, with its size; the file's own size. */
export function measureSource(path: string, text: string): FileSize {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const functions: FunctionSize[] = [];
  const visit = (node: ts.Node, outer: readonly string[]): void => {
    let inside = outer;
    if (ts.isClassLike(node)) inside = [...outer, nameText(node.name, file) ?? '(class)'];
    if (isFunction(node) && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = ownName(node, file);
      const member = ts.isClassLike(node.parent) ? `${outer.join(' > ')}.${name}` : [...outer, name].join(' > ');
      functions.push({ name: member, line: start + 1, lines: end - start + 1 });
      inside = [member];
    }
    ts.forEachChild(node, (child) => { visit(child, inside); });
  };
  visit(file, []);
  return { lines: lineCount(text), functions };
}
