// Every TypeScript and JavaScript example in every README is type-checked against the packages
// as built, from where the README says it runs; the ones marked `run` (```ts run) are run.
// The root README's commands name only tools and files a clone has.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks } from '../src/readme.js';
import { readIfPresent, readmeSources, runSnippet, typecheck, writeSnippets, type TypeError } from '../src/snippets.js';
import { readPackageJson, repoRoot } from '../src/workspace.js';

const snippets = writeSnippets(readmeSources(), readIfPresent);

// A file with one known type error, checked in the same program: it proves the check reports
// errors at all, and that '@kmodsim/cpu' resolved to its real types (not to nothing, or any).
const probe = join(repoRoot, 'node_modules', '.cache', 'kmodsim-readme-examples', 'probe.ts');

describe('the README examples', () => {
  let errors: TypeError[] = [];

  beforeAll(async () => {
    writeFileSync(probe, "import { createMachine } from '@kmodsim/cpu';\nexport const probe = createMachine({ cpuCount: 'two' });\n");
    errors = await typecheck([probe, ...snippets.map((s) => s.file)], snippets);
  }, 120_000);

  it('are found in the root README and in the packages\' own', () => {
    expect(snippets.filter((s) => s.source.cwd === repoRoot).length).toBeGreaterThanOrEqual(2);
    expect(new Set(snippets.map((s) => s.source.readme)).size).toBeGreaterThanOrEqual(8);
  });

  it('are checked by a tsc that reports errors and resolves the packages', () => {
    const probeErrors = errors.filter((e) => e.where.endsWith('probe.ts'));
    expect(probeErrors).toEqual([{ where: expect.stringContaining('probe.ts') as string, message: expect.stringMatching(/TS2322.*'string' is not assignable to type 'number'/) as string }]);
  });

  it('type-check', () => {
    const problems = errors.filter((e) => !e.where.endsWith('probe.ts')).map((e) => `${e.where}: ${e.message}`);
    expect(problems).toEqual([]);
  });

  for (const snippet of snippets.filter((s) => s.runnable)) {
    const name = `${snippet.source.readme.slice(repoRoot.length + 1)}:${String(snippet.block.line)}`;
    it(`runs: ${name}`, async () => {
      const output = await runSnippet(snippet);
      expect(output.stderr).toBe('');
      expect(output.code).toBe(0);
    });
  }
});

describe('the root README', () => {
  const text = readIfPresent(join(repoRoot, 'README.md')) ?? '';
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
  const isTracked = (path: string): boolean => tracked.some((file) => file === path || file.startsWith(`${path}/`));

  it('points only at files a clone has', () => {
    const paths = [...text.matchAll(/(?<![\w/.])(?:\.\/)?((?:packages|apps|tooling|examples|scripts|docs)\/[\w./-]*[\w])/g)].map((m) => m[1] ?? '');
    const rootFiles = [...text.matchAll(/(?<![\w/.-])([A-Z][\w-]*\.md)\b/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThan(5);
    expect([...paths, ...rootFiles].filter((path) => !isTracked(path))).toEqual([]);
  });

  it('runs only commands the root provides', () => {
    const bins = new Set(readdirSync(join(repoRoot, 'node_modules', '.bin')));
    const scripts = Object.keys((readPackageJson(repoRoot) as { scripts?: Record<string, string> }).scripts ?? {});
    const commands = codeBlocks(text).filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n'))
      .flatMap((line) => line.split(/&&|;/)).map((part) => part.trim().split(/\s+/)).filter((words) => words[0] === 'pnpm');
    expect(commands.length).toBeGreaterThan(10);
    const missing = commands.filter(([, verb, tool]) => {
      if (verb === 'exec') return tool === undefined || !bins.has(tool);
      return verb !== 'install' && verb !== 'add' && verb !== '--filter' && !scripts.includes(verb ?? '');
    });
    expect(missing.map((words) => words.join(' '))).toEqual([]);
    expect(existsSync(join(repoRoot, 'examples', 'strategies'))).toBe(true);
  });
});
