// Packs @kmodsim/cpu, @kmodsim/refcount and @kmodsim/linker (with the workspace packages they
// need) as a release would, installs the tarballs with npm in a scratch project outside the
// repository, and uses them from there as a user would: import, require and tsc.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependenciesOf, packWithPnpm, tarballEntries, tarballManifest, vendorDependencies, type PackedTarball, type VendoredPackage } from '../src/pack.js';
import { run, runOk } from '../src/run.js';
import { repoRoot, workspaceClosure, workspacePackages, type PackageJson } from '../src/workspace.js';

const TARGETS = ['@kmodsim/cpu', '@kmodsim/refcount', '@kmodsim/linker'];
/** The only packages outside this repository the three need at run time, on purpose. */
const THIRD_PARTY = ['@napi-rs/lzma', '@peculiar/asn1-cms', '@peculiar/asn1-schema', '@peculiar/asn1-x509', 'fzstd'];

const all = workspacePackages();
const closure = workspaceClosure(TARGETS, all);
const isWorkspacePackage = (name: string): boolean => all.some((pkg) => pkg.json.name === name);

// npm must see none of the settings pnpm hands its scripts (npm_config_*), nor reach a registry.
function npmEnvironment(scratch: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return {
    ...env,
    npm_config_cache: join(scratch, 'npm-cache'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_ignore_scripts: 'true',
  };
}

const USE_ESM = `
import { createMachine, MAX_CPUS } from '@kmodsim/cpu';
import { strategyNames } from '@kmodsim/refcount';
import { moduleNameFromPath } from '@kmodsim/linker';
console.log(JSON.stringify({ createMachine: typeof createMachine, maxCpus: MAX_CPUS, seed: strategyNames().includes('percpu-stop-machine'), name: moduleNameFromPath('nf-tables.ko.xz') }));
`;

const USE_CJS = `
const { createMachine, MAX_CPUS } = require('@kmodsim/cpu');
const { strategyNames } = require('@kmodsim/refcount');
const { moduleNameFromPath } = require('@kmodsim/linker');
console.log(JSON.stringify({ createMachine: typeof createMachine, maxCpus: MAX_CPUS, seed: strategyNames().includes('percpu-stop-machine'), name: moduleNameFromPath('nf-tables.ko.xz') }));
`;

// The @ts-expect-error lines fail the check if the packages' types were lost (everything any).
const USE_TS = `
import { createMachine, type MachineConfig } from '@kmodsim/cpu';
import { strategies, type RefcountStrategy, type StrategyName } from '@kmodsim/refcount';
import { moduleNameFromPath } from '@kmodsim/linker';

const config: MachineConfig = { cpuCount: 2 };
const name: StrategyName = 'percpu-stop-machine';
const strategy: RefcountStrategy = strategies[name];
const moduleName: string = moduleNameFromPath('nf-tables.ko.xz');
// @ts-expect-error: no strategy has this name
const unknown: StrategyName = 'no-such-strategy';
// @ts-expect-error: cpuCount is a number
const wrong: MachineConfig = { cpuCount: 'two' };
export const used = [createMachine, config, strategy, moduleName, unknown, wrong];
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
    // Not skipLibCheck: the packed declarations are what this checks, as a consumer who checks
    // libraries sees them, with Node's types installed as a consumer's would be (the linker's
    // declarations need them). Checking them all (@types/node and the linker's @peculiar
    // libraries too) takes a few seconds, while node loads the packages.
    types: ['node'],
  },
  files: ['use.ts'],
};

/** The scratch project: a package.json naming every tarball, the files that use them, a tsconfig. */
function writeScratchProject(scratch: string, packed: readonly PackedTarball[], vendored: readonly VendoredPackage[]): void {
  const dependencies = Object.fromEntries([
    ...packed.map((t): [string, string] => [t.name, `file:${relative(scratch, t.filename)}`]),
    ...vendored.map((v): [string, string] => [v.name, `file:${relative(scratch, v.tarball)}`]),
  ]);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(scratch, 'use.mjs'), USE_ESM);
  writeFileSync(join(scratch, 'use.cjs'), USE_CJS);
  writeFileSync(join(scratch, 'use.ts'), USE_TS);
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  mkdirSync(join(scratch, 'npm-cache'));
}

describe('the packed tarballs, installed with npm outside the repository', () => {
  let scratch = '';
  let packed: PackedTarball[] = [];
  let vendored: VendoredPackage[] = [];
  let npmInstall = { code: -1, stdout: '', stderr: '' };
  let typecheck: ReturnType<typeof run> = Promise.resolve({ code: -1, stdout: '', stderr: 'not run: the install failed' });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kmodsim-pack-check-'));
    // Node's types come from the workspace too: tsc needs them for the linker's declarations.
    const roots = [...closure.map((pkg) => dependenciesOf(pkg.dir)), { fromDir: repoRoot, names: ['@types/node'] }];
    [packed, vendored] = await Promise.all([
      packWithPnpm(repoRoot, closure.map((pkg) => pkg.json.name), join(scratch, 'tarballs')),
      vendorDependencies(roots, isWorkspacePackage, join(scratch, 'vendor')),
    ]);
    writeScratchProject(scratch, packed, vendored);
    npmInstall = await run('npm', ['install', '--no-package-lock'], { cwd: scratch, env: npmEnvironment(scratch) });
    // The type check is the slowest step: it starts now and runs while node loads the packages.
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    typecheck = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch });
    typecheck.catch(() => undefined);
  }, 120_000);

  afterAll(() => {
    // KMODSIM_KEEP_SCRATCH=1 keeps the scratch project to look into after a failure.
    if (process.env['KMODSIM_KEEP_SCRATCH'] === '1') console.log(`scratch project kept: ${scratch}`);
    else if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('packs every workspace package the three need, and nothing else', () => {
    expect(packed.map((t) => t.name).sort()).toEqual(closure.map((pkg) => pkg.json.name).sort());
    for (const tarball of packed) {
      console.log(`${tarball.name}: ${statSync(tarball.filename).size} bytes packed`);
    }
  });

  it('replaces workspace: ranges by the exact versions of the packed packages', async () => {
    const versions = new Map(packed.map((t) => [t.name, t.version]));
    for (const tarball of packed) {
      const manifest: PackageJson = await tarballManifest(tarball.filename);
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        expect(range, `${tarball.name} -> ${name}`).not.toMatch(/^workspace:/);
        if (isWorkspacePackage(name)) expect(range, `${tarball.name} -> ${name}`).toBe(versions.get(name));
      }
    }
  });

  it('depends on nothing outside the repository but the linker\'s five libraries', async () => {
    const external = new Set<string>();
    for (const tarball of packed) {
      const manifest = await tarballManifest(tarball.filename);
      for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })) {
        if (!isWorkspacePackage(name)) external.add(name);
      }
    }
    expect([...external].sort()).toEqual(THIRD_PARTY);
  });

  it('holds dist, the types, README and LICENSE, and no tests', async () => {
    for (const tarball of packed) {
      const entries = await tarballEntries(tarball.filename);
      expect(entries, tarball.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
      expect(entries.filter((entry) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.test\.[cm]?[jt]s$/.test(entry)), tarball.name).toEqual([]);
    }
  });

  it('installs with npm, offline, into one copy of each package', () => {
    expect(npmInstall.code, npmInstall.stderr).toBe(0);
    for (const tarball of packed) {
      // A nested copy would mean npm did not take the packed version as the one asked for.
      expect(() => statSync(join(scratch, 'node_modules', tarball.name, 'node_modules')), tarball.name).toThrow();
    }
  });

  const expected = JSON.stringify({ createMachine: 'function', maxCpus: 1024, seed: true, name: 'nf_tables' });

  it('loads with import', async () => {
    expect((await runOk(process.execPath, ['use.mjs'], { cwd: scratch })).trim()).toBe(expected);
  });

  it('loads with require, on Node 20.19 and later', async () => {
    const output = await run(process.execPath, ['use.cjs'], { cwd: scratch });
    expect(output.stderr).not.toMatch(/ERR_REQUIRE_ESM|ERR_PACKAGE_PATH_NOT_EXPORTED/);
    expect(output.stdout.trim()).toBe(expected);
  });

  it('type-checks a file that uses them, with the repository\'s tsc', async () => {
    const output = await typecheck;
    expect(output.stdout + output.stderr).toBe('');
    expect(output.code).toBe(0);
  });
});
