import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedNames } from './exported-names.js';
import { sections, tableNames } from './readme.js';
import { readPackageJson, repoRoot, type PackageJson, type WorkspacePackage } from './workspace.js';

/** What the conventions are checked against: everything read from disk, so the rules are pure. */
export interface PackageFacts {
  /** Relative to the repository root (`packages/cpu`). */
  readonly path: string;
  readonly json: PackageJson;
  /** The README's text, when there is one. */
  readonly readme: string | undefined;
  /** Built by `tsc -p tsconfig.build.json` into dist/. */
  readonly builtFromTypeScript: boolean;
  /** The names every entry point of `exports` exports (from its source), sorted. */
  readonly exportedNames: readonly string[];
}

export interface RepositoryFacts {
  /** The root package.json's repository URL: every package points at the same repository. */
  readonly repositoryUrl: string;
  /** The root package.json's engines.node: every package asks for the same Node. */
  readonly nodeEngine: string;
}

/** The exact `exports["."]` of a package built from TypeScript; the source condition comes first. */
export const TYPESCRIPT_EXPORT = {
  '@kmodsim/source': './src/index.ts',
  types: './dist/index.d.ts',
  import: './dist/index.js',
  default: './dist/index.js',
} as const;

/** The sections a README must have, each under one of these headings. */
const REQUIRED_SECTIONS = {
  Install: ['Install'],
  Example: ['Example', 'Examples'],
  API: ['API', 'Public API', 'Commands'],
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each export target a consumer's resolver may pick, by subpath: a string, or the object's conditions. */
function exportEntries(json: PackageJson): [string, unknown][] {
  const { exports } = json;
  if (exports === undefined) return [];
  if (typeof exports === 'string') return [['.', exports]];
  return isRecord(exports) ? Object.entries(exports) : [['.', exports]];
}

function binNames(json: PackageJson): string[] {
  if (typeof json.bin === 'string') return [json.name.replace(/^@[^/]+\//, '')];
  return isRecord(json.bin) ? Object.keys(json.bin) : [];
}

function binFiles(json: PackageJson): string[] {
  if (typeof json.bin === 'string') return [json.bin];
  return isRecord(json.bin) ? Object.values(json.bin).filter((file): file is string => typeof file === 'string') : [];
}

function metadataProblems(facts: PackageFacts, repo: RepositoryFacts): string[] {
  const { json } = facts;
  const problems: string[] = [];
  if (!/^@kmodsim\/[a-z0-9-]+$/.test(json.name)) problems.push(`name ${json.name} is not @kmodsim/<lower-case-name>`);
  if (typeof json.version !== 'string' || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(json.version)) {
    problems.push('version: missing or not x.y.z (pnpm pack refuses a package without one)');
  }
  if (typeof json.description !== 'string' || json.description.trim() === '') problems.push('description: missing (npm shows it under the name)');
  if (json.license !== 'MIT') problems.push('license: must be "MIT", as the LICENSE file at the root says');
  const expected = { type: 'git', url: repo.repositoryUrl, directory: facts.path };
  if (JSON.stringify(json.repository) !== JSON.stringify(expected)) {
    problems.push(`repository: must be ${JSON.stringify(expected)}`);
  }
  if (!isRecord(json.engines) || json.engines['node'] !== repo.nodeEngine) {
    problems.push(`engines.node: must be "${repo.nodeEngine}" (require() of an ES module needs it)`);
  }
  return problems;
}

function exportProblems(facts: PackageFacts): string[] {
  const { json } = facts;
  const problems: string[] = [];
  const entries = exportEntries(json);
  if (facts.builtFromTypeScript && entries.length > 0) {
    const dot = entries.find(([subpath]) => subpath === '.')?.[1];
    if (JSON.stringify(dot) !== JSON.stringify(TYPESCRIPT_EXPORT)) {
      problems.push(`exports["."]: must be ${JSON.stringify(TYPESCRIPT_EXPORT)} in that order (tests resolve @kmodsim/source first; require() needs default)`);
    }
    if (json.main !== TYPESCRIPT_EXPORT.default || json.types !== TYPESCRIPT_EXPORT.types) {
      problems.push('main and types: must name dist/index.js and dist/index.d.ts, for resolvers that do not read exports');
    }
  }
  for (const [subpath, target] of entries) {
    if (typeof target !== 'string' && !(isRecord(target) && typeof target['default'] === 'string')) {
      problems.push(`exports["${subpath}"]: has no default condition, so require() cannot load it`);
    }
  }
  if (entries.length === 0 && binNames(json).length === 0 && json.private !== true) {
    problems.push('neither exports nor bin: a package with nothing to use must be private');
  }
  return problems;
}

function fileListProblems(facts: PackageFacts): string[] {
  const { json } = facts;
  if (!Array.isArray(json.files) || json.files.length === 0) return ['files: missing (without it a tarball takes tests and fixtures too)'];
  const files = json.files as unknown[];
  const problems: string[] = [];
  if (facts.builtFromTypeScript && !files.includes('dist')) problems.push('files: must include dist');
  if (files.includes('src') && !files.includes('!src/**/*.test.ts')) problems.push('files: ships src without "!src/**/*.test.ts"');
  for (const bin of binFiles(json)) {
    const top = bin.replace(/^\.\//, '').split('/')[0];
    if (!files.includes(top)) problems.push(`files: must include ${String(top)}, where bin ${bin} lives`);
  }
  if (json.private !== true && !(isRecord(json.publishConfig) && json.publishConfig['access'] === 'public')) {
    problems.push('publishConfig.access: must be "public" (a scoped package is private on npm otherwise)');
  }
  return problems;
}

function apiProblems(facts: PackageFacts, lines: readonly string[]): string[] {
  const documented = new Set(tableNames(lines));
  const expected = new Set([...facts.exportedNames, ...binNames(facts.json)]);
  const missing = [...expected].filter((name) => !documented.has(name));
  const stale = [...documented].filter((name) => !expected.has(name));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`README API table: missing ${missing.map((n) => `\`${n}\``).join(', ')}`);
  if (stale.length > 0) problems.push(`README API table: names nothing exports: ${stale.map((n) => `\`${n}\``).join(', ')}`);
  return problems;
}

function readmeProblems(facts: PackageFacts): string[] {
  const { json, readme } = facts;
  if (readme === undefined) return ['README.md: missing'];
  const problems: string[] = [];
  if (readme.split('\n')[0] !== `# ${json.name}`) problems.push(`README.md: must open with "# ${json.name}"`);
  const found = sections(readme);
  const testOnly = exportEntries(json).length === 0 && binNames(json).length === 0;
  for (const [title, headings] of Object.entries(REQUIRED_SECTIONS)) {
    const section = found.find((s) => (headings as readonly string[]).includes(s.title));
    if (section === undefined) {
      if (!(title === 'API' && testOnly)) problems.push(`README.md: no "## ${title}" section`);
      continue;
    }
    const body = section.lines.join('\n');
    if (title === 'Install') {
      // A published package is installed from npm (other names and flags may come with it); a
      // private one only from the workspace.
      const installs = json.private === true ? body.includes('pnpm install') : new RegExp(`npm (install|i)\\b[^\\n\`]*${json.name}(?![\\w-])`).test(body);
      if (!installs) problems.push(`README.md: the Install section does not say \`${json.private === true ? 'pnpm install' : `npm install ${json.name}`}\``);
    }
    if (title === 'Example' && !/^(```|~~~)/m.test(body)) problems.push('README.md: the Example section has no code block');
    if (title === 'API') problems.push(...apiProblems(facts, section.lines));
  }
  return problems;
}

/** Every way a package breaks the conventions, as sentences a person can act on; empty when none. */
export function conventionProblems(facts: PackageFacts, repo: RepositoryFacts): string[] {
  return [...metadataProblems(facts, repo), ...exportProblems(facts), ...fileListProblems(facts), ...readmeProblems(facts)];
}

/** The source file an export target is built from (dist/x.js comes from src/x.ts). */
function sourceOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (!isRecord(target)) return undefined;
  const chosen = target['@kmodsim/source'] ?? target['default'] ?? target['import'];
  return typeof chosen === 'string' ? chosen : undefined;
}

export function packageFacts(pkg: WorkspacePackage): PackageFacts {
  const readmeFile = join(pkg.dir, 'README.md');
  const names = exportEntries(pkg.json).flatMap(([, target]) => {
    const source = sourceOf(target);
    return source === undefined ? [] : exportedNames(join(pkg.dir, source));
  });
  return {
    path: pkg.path,
    json: pkg.json,
    readme: existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : undefined,
    builtFromTypeScript: existsSync(join(pkg.dir, 'tsconfig.build.json')),
    exportedNames: [...new Set(names)].sort(),
  };
}

export function repositoryFacts(root = repoRoot): RepositoryFacts {
  const json = readPackageJson(root);
  const repository = isRecord(json.repository) ? json.repository['url'] : undefined;
  const node = isRecord(json.engines) ? json.engines['node'] : undefined;
  if (typeof repository !== 'string' || typeof node !== 'string') throw new Error('the root package.json needs repository.url and engines.node');
  return { repositoryUrl: repository, nodeEngine: node };
}
