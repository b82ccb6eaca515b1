import ts from 'typescript';
import { applyEdits, type Mutant } from './mutant.js';
import { OPERATORS, type Operator } from './operators.js';

// Mutant generation over one source file. Only code that runs is mutated: function and method
// bodies (top-level constants are configuration, types and comments have no effect), less the
// code only the deliberately flawed variants reach (a test of `flaw`), since mutating a flaw
// says nothing about the sound design the suite must protect.

/** A test that selects a flawed variant's code: the whole statement or expression is theirs. */
function selectsFlaw(node: ts.Node): boolean {
  let condition: ts.Expression | undefined;
  if (ts.isIfStatement(node)) condition = node.expression;
  else if (ts.isConditionalExpression(node)) condition = node.condition;
  return condition !== undefined && /\bflaw\b/.test(condition.getText());
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  for (let up: ts.Node = node; !ts.isSourceFile(up); up = up.parent) {
    if ((ts.isMethodDeclaration(up) || ts.isFunctionDeclaration(up)) && up.name !== undefined) return `${up.name.getText(source)}()`;
  }
  return 'top level';
}

/**
 * Whether a function's body is the strategy's kernel code: a generator, a class method, a plain
 * helper, or a callback inside one of those. The factories that build the strategy object (its
 * name, description, declared flaws) are metadata, not behaviour the suite can observe.
 */
function isKernelCode(fn: ts.SignatureDeclaration): boolean {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.asteriskToken !== undefined) return true;
  if (ts.isConstructorDeclaration(fn)) return false;
  if (ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent)) return true;
  if (ts.isFunctionDeclaration(fn)) return !/Strategy|Runtime/.test(fn.type?.getText() ?? '');
  for (let up = fn.parent as ts.Node | undefined; up !== undefined; up = up.parent) {
    if (ts.isFunctionLike(up)) return isKernelCode(up);
  }
  return false;
}

/** Every mutant the operators propose inside the file's function bodies, deduplicated by resulting text. */
export function generateMutants(file: string, sourceText: string, operators: readonly Operator[] = OPERATORS): Mutant[] {
  const source = ts.createSourceFile(file, sourceText, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const mutants: Mutant[] = [];
  const seenTexts = new Set<string>([sourceText]);
  const seenIds = new Map<string, number>();
  const visit = (node: ts.Node, inBody: boolean): void => {
    // Types have no runtime effect; the constructor only stores its parameters.
    if (selectsFlaw(node) || ts.isConstructorDeclaration(node) || ts.isTypeNode(node)) return;
    if (inBody) {
      for (const operator of operators) {
        for (const proposal of operator(node, source)) {
          const text = applyEdits(sourceText, proposal.edits);
          if (seenTexts.has(text)) continue;
          seenTexts.add(text);
          const start = proposal.at.getStart(source);
          const { line, character } = source.getLineAndCharacterOfPosition(start);
          const base = `${file}:${line + 1}:${character + 1}:${proposal.operator}`;
          const repeat = (seenIds.get(base) ?? 0) + 1;
          seenIds.set(base, repeat);
          mutants.push({
            id: repeat === 1 ? base : `${base}#${repeat}`,
            file, line: line + 1, column: character + 1, operator: proposal.operator,
            description: `${functionName(proposal.at, source)}: ${proposal.description}`,
            edits: proposal.edits,
          });
        }
      }
    }
    const body = ts.isFunctionLike(node) ? isKernelCode(node) : inBody;
    ts.forEachChild(node, (child) => { visit(child, body); });
  };
  visit(source, false);
  return mutants;
}

/** The mutated text of a mutant's file. */
export function mutatedSource(sourceText: string, mutant: Mutant): string {
  return applyEdits(sourceText, mutant.edits);
}
