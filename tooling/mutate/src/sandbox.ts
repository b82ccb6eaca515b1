import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';

// A copy of the strategies package, transpiled from its current sources, that mutated modules
// can sit in. It lives under the package's own node_modules: git ignores it, lint and the build
// never look there, and a bare import in a mutated file (@kmodsim/cpu, ...) resolves exactly as
// it does for the real package. A mutant of file F is written as F.m<n>.js beside F, with every
// module that imports F (directly or not) copied as X.m<n>.js pointing at the mutated one, so
// the original modules stay loaded and untouched.

export interface Sandbox {
  /** The copy's directory. */
  readonly dir: string;
  /** The package's src directory the copy was made from. */
  readonly srcDir: string;
  /** Source file (relative, .ts) to its TypeScript text. */
  readonly sources: ReadonlyMap<string, string>;
  /** Module (relative, .js) to the modules (relative, .js) it imports. */
  readonly imports: ReadonlyMap<string, ReadonlySet<string>>;
}

const RELATIVE_SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;

export function transpile(source: string, fileName: string): string {
  return ts.transpileModule(source, { fileName, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

export function jsName(tsFile: string): string {
  return tsFile.replace(/\.ts$/, '.js');
}

function sourceFiles(srcDir: string, under = ''): string[] {
  return readdirSync(join(srcDir, under), { withFileTypes: true }).flatMap((entry) => {
    const rel = under === '' ? entry.name : posix.join(under, entry.name);
    if (entry.isDirectory()) return sourceFiles(srcDir, rel);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The relative modules a transpiled module imports, as paths relative to the copy's root. */
function importsOf(module: string, js: string): Set<string> {
  const found = new Set<string>();
  for (const match of js.matchAll(RELATIVE_SPECIFIER)) found.add(posix.normalize(posix.join(posix.dirname(module), match[3] ?? '')));
  return found;
}

/** Transpiles every source of `packageRoot`/src into a fresh directory under its node_modules. */
export function createSandbox(packageRoot: string, runId: string): Sandbox {
  const srcDir = join(packageRoot, 'src');
  const dir = join(packageRoot, 'node_modules', '.kmodsim-mutate', runId);
  rmSync(dir, { recursive: true, force: true });
  const sources = new Map<string, string>();
  const imports = new Map<string, Set<string>>();
  for (const file of sourceFiles(srcDir)) {
    const source = readFileSync(join(srcDir, file), 'utf8');
    const js = transpile(source, file);
    sources.set(file, source);
    imports.set(jsName(file), importsOf(jsName(file), js));
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, jsName(file)), js);
  }
  // The copy is ES modules whatever the nearest package.json says.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return { dir, srcDir, sources, imports };
}

/**
 * Removes the sandboxes of campaigns whose process is gone (killed before it could clean up).
 * Run ids start with a letter and end with the pid; `isAlive` is injected (process.kill(pid, 0)).
 */
export function removeStaleSandboxes(packageRoot: string, isAlive: (pid: number) => boolean): void {
  const root = join(packageRoot, 'node_modules', '.kmodsim-mutate');
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^[a-z]+(\d+)$/.exec(entry)?.[1]);
    if (Number.isInteger(pid) && !isAlive(pid)) rmSync(join(root, entry), { recursive: true, force: true });
  }
}

export function removeSandbox(sandbox: Sandbox): void {
  rmSync(sandbox.dir, { recursive: true, force: true });
}

/** `module` and every module that imports it, directly or through others. */
export function importersOf(sandbox: Sandbox, module: string): Set<string> {
  const closure = new Set([module]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [importer, imported] of sandbox.imports) {
      if (closure.has(importer)) continue;
      if ([...imported].some((target) => closure.has(target))) {
        closure.add(importer);
        grew = true;
      }
    }
  }
  return closure;
}

export function taggedName(module: string, tag: string): string {
  return module.replace(/\.js$/, `.${tag}.js`);
}

/**
 * Writes a mutated source as `tag`ged modules: the file itself and every importer, rewired to
 * one another. Returns the copy's directory; a module M of the mutant is `taggedName(M, tag)`.
 */
export function writeMutant(sandbox: Sandbox, file: string, mutatedSource: string, tag: string): void {
  const mutated = jsName(file);
  const affected = importersOf(sandbox, mutated);
  const rewire = (module: string, js: string): string => js.replace(RELATIVE_SPECIFIER, (whole: string, lead: string, quote: string, specifier: string) => {
    const target = posix.normalize(posix.join(posix.dirname(module), specifier));
    return affected.has(target) ? `${lead}${quote}${taggedName(specifier, tag)}${quote}` : whole;
  });
  for (const module of affected) {
    const js = module === mutated ? transpile(mutatedSource, file) : readFileSync(join(sandbox.dir, module), 'utf8');
    writeFileSync(join(sandbox.dir, taggedName(module, tag)), rewire(module, js));
  }
}

export function relativeToSrc(sandbox: Sandbox, path: string): string {
  return relative(sandbox.srcDir, path).split('\\').join('/');
}
