import { readFileSync } from 'node:fs';
import ts from 'typescript';

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredName(node: ts.Statement): string[] {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  if (
    (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) && node.name !== undefined
  ) {
    return [node.name.text];
  }
  return [];
}

/**
 * The names a module exports, read from its syntax: `export { a, type B } from`, `export const`,
 * `export function` and the like. `export *` is refused, since its names are only known by
 * resolving another file, and a public door should name what it opens.
 */
export function exportedNames(file: string, text = readFileSync(file, 'utf8')): string[] {
  const kind = file.endsWith('.js') || file.endsWith('.mjs') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (clause === undefined || !ts.isNamedExports(clause)) throw new Error(`${file}: export * hides which names it exports`);
      names.push(...clause.elements.map((element) => element.name.text));
    } else if (ts.isExportAssignment(statement)) {
      names.push('default');
    } else if (hasExportModifier(statement)) {
      names.push(...declaredName(statement));
    }
  }
  return [...new Set(names)].sort();
}
