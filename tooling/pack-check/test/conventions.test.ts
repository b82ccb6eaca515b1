// Every workspace package follows the publishing conventions (CONTRIBUTING.md), so a package
// added tomorrow is held to them too; and the check itself catches each kind of breach.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conventionProblems, packageFacts, repositoryFacts, TYPESCRIPT_EXPORT, type PackageFacts } from '../src/conventions.js';
import { repoRoot, workspacePackages } from '../src/workspace.js';

const repo = repositoryFacts();
const rootLicense = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');

describe('every workspace package', () => {
  for (const pkg of workspacePackages()) {
    it(`${pkg.path} (${pkg.json.name}) follows the conventions`, () => {
      expect(conventionProblems(packageFacts(pkg), repo)).toEqual([]);
    });
    it(`${pkg.path} carries the root LICENSE (pnpm pack adds the root's only to packages without a README)`, () => {
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
    });
  }
});

describe('this package', () => {
  it('depends on every library, so turbo builds each before the README examples are checked against it', () => {
    const all = workspacePackages();
    const own = all.find((pkg) => pkg.path === 'tooling/pack-check');
    const libraries = all.filter((pkg) => pkg.path.startsWith('packages/')).map((pkg) => pkg.json.name);
    const missing = libraries.filter((name) => own?.json.devDependencies?.[name] !== 'workspace:*');
    expect(missing, 'add these to tooling/pack-check devDependencies as "workspace:*", then pnpm install').toEqual([]);
  });
});

const README = `# @kmodsim/example

What it is.

## Install

\`\`\`sh
npm install @kmodsim/example
\`\`\`

## Example

\`\`\`ts
import { one } from '@kmodsim/example';
\`\`\`

## API

| name | what it is |
| --- | --- |
| \`one\`, \`Two\` | the first and the second |
`;

const good: PackageFacts = {
  path: 'packages/example',
  json: {
    name: '@kmodsim/example', version: '1.2.3', description: 'An example.', license: 'MIT',
    repository: { type: 'git', url: repo.repositoryUrl, directory: 'packages/example' },
    engines: { node: repo.nodeEngine }, main: './dist/index.js', types: './dist/index.d.ts',
    exports: { '.': TYPESCRIPT_EXPORT }, files: ['dist', 'src', '!src/**/*.test.ts'], publishConfig: { access: 'public' },
  },
  readme: README,
  builtFromTypeScript: true,
  exportedNames: ['Two', 'one'],
};

function breaking(change: Omit<Partial<PackageFacts>, 'json'> & { json?: Partial<PackageFacts['json']> }): string[] {
  return conventionProblems({ ...good, ...change, json: { ...good.json, ...change.json } }, repo);
}

describe('the convention check', () => {
  it('passes a package that follows every convention', () => {
    expect(conventionProblems(good, repo)).toEqual([]);
  });

  it('refuses a package without a version, a license or the shared repository', () => {
    expect(breaking({ json: { version: undefined } })).toEqual([expect.stringMatching(/^version/)]);
    expect(breaking({ json: { license: 'ISC' } })).toEqual([expect.stringMatching(/^license/)]);
    expect(breaking({ path: 'packages/elsewhere' })).toEqual([expect.stringMatching(/^repository/)]);
  });

  it('refuses exports that require() cannot load, or without the source condition first', () => {
    const importOnly = { '.': { '@kmodsim/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' } };
    expect(breaking({ json: { exports: importOnly } })).toEqual([
      expect.stringMatching(/^exports\["\."\]: must be/),
      expect.stringMatching(/^exports\["\."\]: has no default condition/),
    ]);
    const sourceLast = { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js', '@kmodsim/source': './src/index.ts' } };
    expect(breaking({ json: { exports: sourceLast } })).toEqual([expect.stringMatching(/in that order/)]);
  });

  it('refuses a tarball that would ship tests, or a public package npm would make private', () => {
    expect(breaking({ json: { files: ['dist', 'src'] } })).toEqual([expect.stringMatching(/!src\/\*\*\/\*\.test\.ts/)]);
    expect(breaking({ json: { publishConfig: undefined } })).toEqual([expect.stringMatching(/^publishConfig/)]);
  });

  it('refuses a README without its sections, or whose API table and exports disagree', () => {
    expect(breaking({ readme: undefined })).toEqual(['README.md: missing']);
    expect(breaking({ readme: README.replace('## Install', '## Getting it') })).toEqual(['README.md: no "## Install" section']);
    expect(breaking({ exportedNames: ['Two', 'one', 'three'] })).toEqual(['README API table: missing `three`']);
    expect(breaking({ exportedNames: ['one'] })).toEqual(['README API table: names nothing exports: `Two`']);
  });

  it('takes the usual spellings of the headings, and an install line with flags or other packages', () => {
    const spelled = README.replace('## Example', '## Examples').replace('## API', '## Public API')
      .replace('npm install @kmodsim/example', 'npm install --save @kmodsim/cpu @kmodsim/example');
    expect(breaking({ readme: spelled })).toEqual([]);
    expect(breaking({ readme: README.replace('npm install @kmodsim/example', 'npm install @kmodsim/example-other') }))
      .toEqual(['README.md: the Install section does not say `npm install @kmodsim/example`']);
  });

  it('asks an app for its commands in the API table', () => {
    const app = { ...good.json, exports: undefined, main: undefined, types: undefined, private: true, bin: { tool: './bin/tool.js' }, files: ['bin', 'dist'], publishConfig: undefined };
    const readme = README.replace('npm install @kmodsim/example', 'pnpm install').replace('| `one`, `Two` |', '| `tool` |');
    expect(conventionProblems({ ...good, json: app, readme, exportedNames: [] }, repo)).toEqual([]);
    expect(conventionProblems({ ...good, json: { ...app, bin: { tool: './bin/tool.js', other: './bin/other.js' } }, readme, exportedNames: [] }, repo))
      .toEqual(['README API table: missing `other`']);
  });
});
