import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { codeBlocks, type CodeBlock } from './readme.js';
import { run } from './run.js';
import { repoRoot, workspacePackages } from './workspace.js';

/** A README whose examples are checked, and from where. */
export interface ReadmeSource {
  /** Absolute path of the README. */
  readonly readme: string;
  /**
   * The folder whose node_modules the examples' imports resolve from: the repository root for
   * the root README (its package.json depends on what it shows), this package for the others.
   */
  readonly resolveFrom: string;
  /** Where a runnable example runs: the README's own folder. */
  readonly cwd: string;
}

export interface Snippet {
  readonly source: ReadmeSource;
  readonly block: CodeBlock;
  /** Absolute path the block was written to. */
  readonly file: string;
  /** Marked `run` in its fence (```ts run): CI runs it, else only type-checks it. */
  readonly runnable: boolean;
}

const LANGUAGES: Readonly<Record<string, 'ts' | 'js'>> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const CACHE = join('node_modules', '.cache', 'kmodsim-readme-examples');
const packCheckDir = join(repoRoot, 'tooling', 'pack-check');

export function readmeSources(): ReadmeSource[] {
  const packages = workspacePackages().map((pkg) => ({ readme: join(pkg.dir, 'README.md'), resolveFrom: packCheckDir, cwd: pkg.dir }));
  return [{ readme: join(repoRoot, 'README.md'), resolveFrom: repoRoot, cwd: repoRoot }, ...packages];
}

function folderFor(source: ReadmeSource): string {
  const slug = relative(repoRoot, dirname(source.readme)).replaceAll('/', '-') || 'root';
  return join(source.resolveFrom, CACHE, slug);
}

/**
 * Writes every TypeScript and JavaScript block of these READMEs to a file of its own (a module,
 * under node_modules/.cache where the imports resolve as the README says they do).
 */
export function writeSnippets(sources: readonly ReadmeSource[], readText: (file: string) => string | undefined): Snippet[] {
  const snippets: Snippet[] = [];
  for (const source of sources) {
    const text = readText(source.readme);
    if (text === undefined) continue;
    const folder = folderFor(source);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
    for (const block of codeBlocks(text)) {
      const language = LANGUAGES[block.lang];
      if (language === undefined) continue;
      const file = join(folder, `line-${block.line}.${language}`);
      // The export makes every block a module of its own, even one that imports nothing.
      writeFileSync(file, `${block.code}\nexport {};\n`);
      snippets.push({ source, block, file, runnable: block.flags.includes('run') });
    }
  }
  return snippets;
}

export interface TypeError {
  /** Where in a README (`packages/cpu/README.md:12`), or the file when it is no README's. */
  readonly where: string;
  readonly message: string;
}

/** Type-checks these files as one program, with the repository's settings and tsc. */
export async function typecheck(files: readonly string[], snippets: readonly Snippet[]): Promise<TypeError[]> {
  const folder = join(repoRoot, CACHE);
  mkdirSync(folder, { recursive: true });
  const tsconfig = {
    extends: relative(folder, join(repoRoot, 'tsconfig.base.json')),
    // `strict`, as a user's project would have it; the repository's two stricter index and
    // optional-property checks are its own choice, not something a reader's example must meet.
    compilerOptions: {
      noEmit: true, allowJs: true, checkJs: true, declaration: false, declarationMap: false, sourceMap: false, types: ['node'],
      noUncheckedIndexedAccess: false, exactOptionalPropertyTypes: false,
    },
    files,
  };
  writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = await run(process.execPath, [tsc, '-p', join(folder, 'tsconfig.json'), '--pretty', 'false'], { cwd: folder });
  const byFile = new Map(snippets.map((s) => [s.file, s]));
  return (output.stdout + output.stderr).split('\n').filter((line) => line.trim() !== '').map((line) => {
    const match = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (!match?.[1]) return { where: 'tsc', message: line };
    const file = join(folder, match[1]);
    const snippet = byFile.get(file);
    const where = snippet === undefined
      ? relative(repoRoot, file)
      : `${relative(repoRoot, snippet.source.readme)}:${String(snippet.block.line + Number(match[2]) - 1)}`;
    return { where, message: match[4] ?? line };
  });
}

/**
 * Runs a runnable example with node from its README's folder. A TypeScript example has its types
 * stripped into a .js file beside it first (the type check is the other test's business), so
 * its imports resolve from the same place.
 */
export function runSnippet(snippet: Snippet): ReturnType<typeof run> {
  let file = snippet.file;
  if (file.endsWith('.ts')) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    file = file.replace(/\.ts$/, '.js');
    writeFileSync(file, js.outputText);
  }
  return run(process.execPath, [file], { cwd: snippet.source.cwd });
}

export function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
