// Every library loads from its build with require() and with import, as a user's Node does (no
// @kmodsim/source condition), and both give the same names its index exports.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportedNames } from '../src/exported-names.js';
import { runOk } from '../src/run.js';
import { readPackageJson, repoRoot, workspacePackages } from '../src/workspace.js';

const packCheckDir = join(repoRoot, 'tooling', 'pack-check');
const own = readPackageJson(packCheckDir).devDependencies ?? {};
// The libraries this package depends on, so they resolve from here (the conventions test holds
// that to be every library).
const libraries = workspacePackages().filter((pkg) => pkg.path.startsWith('packages/') && pkg.json.name in own);

// Type-only exports leave no value behind, so the runtime names are compared with the value
// exports only: a name in the index that neither require nor import gives is the failure.
const script = (how: 'require' | 'import'): string => `
const names = {};
for (const name of ${JSON.stringify(libraries.map((pkg) => pkg.json.name))}) {
  const loaded = ${how === 'require' ? 'require(name)' : 'await import(name)'};
  names[name] = Object.keys(loaded).filter((key) => key !== 'default' && key !== 'module.exports').sort();
}
console.log(JSON.stringify(names));
`;

describe('every library, from its build', () => {
  it('loads with require() and with import, giving the same names', async () => {
    const required = JSON.parse(await runOk(process.execPath, ['--input-type=commonjs', '-e', script('require')], { cwd: packCheckDir })) as Record<string, string[]>;
    const imported = JSON.parse(await runOk(process.execPath, ['--input-type=module', '-e', script('import')], { cwd: packCheckDir })) as Record<string, string[]>;
    expect(libraries.length).toBeGreaterThanOrEqual(9);
    expect(Object.keys(required).sort()).toEqual(libraries.map((pkg) => pkg.json.name).sort());
    expect(required).toEqual(imported);
    for (const pkg of libraries) {
      const exported = exportedNames(join(pkg.dir, 'src', 'index.ts'));
      expect(required[pkg.json.name]?.filter((name) => !exported.includes(name)), `${pkg.json.name}: names the build has and the index does not`).toEqual([]);
    }
  });
});
