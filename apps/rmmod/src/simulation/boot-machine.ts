import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMachineDir, type StoreResult } from '../machine-store/machine-store.js';
import { machineFiles } from '../machine-store/location.js';
import type { BootConfig, KernelSource, LocalArch } from '../machine-store/records.js';
import { writeSnapshot } from '../machine-store/snapshot.js';
import { depmodDirOf, EMBEDDED_RELEASE, findModuleDir, installEmbeddedTree, moduleDirOf, vermagicOfTree, writeDepmodFiles } from './kernel-files.js';
import { MachineSession } from './session.js';
import { viewsOf } from './views.js';

// kmodsim boot: a new machine directory with its configuration, its module tree (the embedded
// kernel's, copied in) and the depmod files modprobe reads, generated now.

export interface BootRequest {
  readonly cpuCount: number;
  readonly strategy: string;
  readonly arch: LocalArch;
  readonly forceUnload: boolean;
  /** --kernel DIR and --symvers FILE, or neither for the embedded kernel. */
  readonly tree?: { readonly dir: string; readonly symvers: string };
  readonly reboot: boolean;
}

export interface Booted {
  readonly config: BootConfig;
  readonly moduleDir: string;
  readonly depmodWarnings: readonly string[];
}

export type BootOutcome = StoreResult<Booted> | { readonly ok: false; readonly usage: string };

export function bootMachine(dir: string, request: BootRequest, nowWallMs: number): BootOutcome {
  const kernel = kernelSource(request);
  if ('usage' in kernel) return { ok: false, usage: kernel.usage };
  const config: BootConfig = { cpuCount: request.cpuCount, strategy: request.strategy, arch: request.arch, forceUnload: request.forceUnload, kernel, bootWallMs: nowWallMs };
  // Boot it once in memory first: a configuration the machine refuses never becomes a directory.
  const session = MachineSession.boot(dir, config, { trace: false });
  if (!session.ok) return { ok: false, usage: session.why };
  // The boot's own tasks (a strategy's stopper kthreads) start and go to sleep before anyone
  // looks: ps right after boot shows them asleep, as every later command's replay has them.
  const settled = session.value.advanceTo(nowWallMs);
  if (!settled.ok) return { ok: false, usage: settled.why };
  const moduleDir = moduleDirOf(dir, kernel);
  let depmodWarnings: string[] = [];
  const created = createMachineDir(dir, config, request.reboot, {
    fill: () => {
      if (kernel.kind === 'embedded') installEmbeddedTree(dir);
      depmodWarnings = writeDepmodFiles(moduleDir, depmodDirOf(dir, kernel));
    },
    seal: () => {
      const files = machineFiles(dir);
      writeSnapshot(files.snapshot, files.journal, viewsOf(session.value, nowWallMs));
    },
  });
  return created.ok ? { ok: true, value: { config, moduleDir, depmodWarnings } } : created;
}

function kernelSource(request: BootRequest): KernelSource | { usage: string } {
  if (request.tree === undefined) return { kind: 'embedded', release: EMBEDDED_RELEASE };
  const found = findModuleDir(request.tree.dir);
  if (!found.ok) return { usage: found.why };
  const symvers = resolve(request.tree.symvers);
  if (!existsSync(symvers)) return { usage: `${request.tree.symvers}: No such file or directory` };
  const vermagic = vermagicOfTree(found.moduleDir);
  if (vermagic === undefined) return { usage: `no module in ${found.moduleDir}'s modules.order says which kernel it was built for (vermagic)` };
  return { kind: 'tree', release: found.release, moduleDir: found.moduleDir, symvers, vermagic };
}
