import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { bootMachine, moduleDirOf, runCommand, saveImage, type Applied, type BootConfig, type BootRequest, type JournalCommand } from '../src/index.js';

// A machine of the test's own, driven through the package's door as a front end would: boot,
// then commands at wall times the test chooses, so nothing depends on the real clock.

/** The wall time of every test machine's boot: any fixed date will do. */
export const BOOT_WALL_MS = Date.UTC(2026, 0, 1);

export function newMachineDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'kmodsim-machine-test-')), 'machine');
}

export async function boot(dir: string, request: Partial<BootRequest> = {}): Promise<BootConfig> {
  const booted = await bootMachine(dir, { cpuCount: 2, strategy: 'percpu-stop-machine', arch: 'native', forceUnload: false, reboot: false, ...request }, BOOT_WALL_MS);
  if (!booted.ok) expect.fail(booted.message);
  return booted.value.config;
}

/** Applies one command `afterMs` after the boot; fails the test on a refusal. */
export async function apply(dir: string, command: JournalCommand, afterMs = 0): Promise<Applied> {
  const applied = await runCommand(dir, 'test', BOOT_WALL_MS + afterMs, () => command);
  if (!applied.ok) expect.fail(applied.message);
  // Every command after the boot's first loads the machine saved by the one before it.
  expect(applied.value.notice).toBeUndefined();
  return applied.value;
}

/** insmod of embedded-kernel modules, in the order given (dependencies first), from the machine's own tree. */
export async function insmodEmbedded(dir: string, config: BootConfig, names: readonly string[]): Promise<Applied> {
  const images = names.map((name) => {
    const file = join(moduleDirOf(dir, config.kernel), 'kernel', 'demo', `${name}.ko`);
    return { name, file, sha256: saveImage(dir, readFileSync(file)) };
  });
  return apply(dir, { kind: 'insmod', tool: 'insmod', images, params: [], skipLoaded: false, force: { ignoreVermagic: false, ignoreModversions: false } });
}
