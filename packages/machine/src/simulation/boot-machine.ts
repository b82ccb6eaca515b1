import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Failure, Result } from '@kmodsim/cpu';
import { createMachineDir } from '../machine-store/machine-store.js';
import type { StoreError } from '../machine-store/store-error.js';
import { machineFiles } from '../machine-store/location.js';
import type { ArchLocalFlavour } from '@kmodsim/refcount';
import type { BootConfig, KernelSource, ModuleSigningRecord } from '../machine-store/records.js';
import { writeSnapshot } from '../machine-store/snapshot.js';
import { depmodDirOf, EMBEDDED_RELEASE, moduleDirOf } from '../machine-store/kernel-dirs.js';
import { certificatesOfTree, findModuleDir, installEmbeddedTree, signingKeyOfTree, vermagicOfTree, writeDepmodFiles } from './kernel-files.js';
import { MachineSession } from './session.js';
import { viewsOf } from './views.js';

// kmodsim boot: a new machine directory with its configuration, its module tree (the embedded
// kernel's, copied in) and the depmod files modprobe reads, generated now.

export interface BootRequest {
  readonly cpuCount: number;
  readonly strategy: string;
  readonly arch: ArchLocalFlavour;
  readonly forceUnload: boolean;
  /** --kernel DIR and --symvers FILE, or neither for the embedded kernel. */
  readonly tree?: { readonly dir: string; readonly symvers: string };
  /** module.sig_enforce=1: refuse modules without a valid signature (a kernel with CONFIG_MODULE_SIG only). */
  readonly sigEnforce?: boolean;
  readonly reboot: boolean;
}

export interface Booted {
  readonly config: BootConfig;
  /** Where the trusted keys came from, or why their signatures cannot be verified: for the boot output. */
  readonly signingNote: string | undefined;
  readonly moduleDir: string;
  readonly depmodWarnings: readonly string[];
}

/** A boot request the machine cannot take (a bad --kernel, an unknown strategy): a usage error, EINVAL. */
export type BootUsage = Failure<'EINVAL'> & { readonly kind: 'usage' };

export type BootOutcome = Result<Booted, StoreError | BootUsage>;

const usage = (message: string): BootUsage => ({ ok: false, errno: 'EINVAL', message, kind: 'usage' });

export function bootMachine(dir: string, request: BootRequest, nowWallMs: number): BootOutcome {
  const kernel = kernelSource(request);
  if ('errno' in kernel) return kernel;
  const signing = moduleSigning(kernel, request.sigEnforce ?? false);
  if ('errno' in signing) return signing;
  const base: BootConfig = { cpuCount: request.cpuCount, strategy: request.strategy, arch: request.arch, forceUnload: request.forceUnload, kernel, bootWallMs: nowWallMs };
  const config: BootConfig = signing.moduleSigning === undefined ? base : { ...base, moduleSigning: signing.moduleSigning };
  // Boot it once in memory first: a configuration the machine refuses never becomes a directory.
  const session = MachineSession.boot(dir, config, { trace: false });
  if (!session.ok) return usage(session.message);
  // The boot's own tasks (a strategy's stopper kthreads) start and go to sleep before anyone
  // looks: ps right after boot shows them asleep, as every later command's replay has them.
  const settled = session.value.advanceTo(nowWallMs);
  if (!settled.ok) return usage(settled.message);
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
  return created.ok ? { ok: true, value: { config, signingNote: signing.note, moduleDir, depmodWarnings } } : created;
}

function kernelSource(request: BootRequest): KernelSource | BootUsage {
  if (request.tree === undefined) return { kind: 'embedded', release: EMBEDDED_RELEASE };
  const found = findModuleDir(request.tree.dir);
  if (!found.ok) return usage(found.message);
  const symvers = resolve(request.tree.symvers);
  if (!existsSync(symvers)) return usage(`${request.tree.symvers}: No such file or directory`);
  const vermagic = vermagicOfTree(found.value.moduleDir);
  if (vermagic === undefined) return usage(`no module in ${found.value.moduleDir}'s modules.order says which kernel it was built for (vermagic)`);
  return { kind: 'tree', release: found.value.release, moduleDir: found.value.moduleDir, symvers, vermagic };
}

/**
 * CONFIG_MODULE_SIG and the built-in keyring: a tree whose modules are signed comes from a
 * kernel that checks signatures; the embedded kernel and a tree of unsigned modules are taken as
 * kernels built without it. The keyring is the certificates in the tree's vmlinuz, read now and
 * kept in the configuration; without a vmlinuz (or with no certificate found in it) the kernel
 * holds the key the modules name, known only by name, so signatures by it cannot be verified.
 */
function moduleSigning(kernel: KernelSource, enforce: boolean): { moduleSigning: ModuleSigningRecord | undefined; note?: string } | BootUsage {
  const key = kernel.kind === 'tree' ? signingKeyOfTree(kernel.moduleDir) : undefined;
  if (kernel.kind === 'tree' && key !== undefined) {
    const certificates = certificatesOfTree(kernel.moduleDir, kernel.release);
    if (!certificates.ok) {
      return { moduleSigning: { enforce, trustedKeys: [key] }, note: `${certificates.message}: signatures by the key that signed this tree's modules are taken as valid unchecked` };
    }
    const holdsTreeKey = certificates.value.keys.some((trusted) => trusted.signer === key.signer && trusted.keyId === key.keyId);
    const note = holdsTreeKey
      ? `certificates from ${certificates.value.vmlinuz}: signatures are verified against them`
      : `certificates from ${certificates.value.vmlinuz}; none is the key that signed this tree's modules (${key.signer}, serial ${key.keyId}), so they load as unsigned`;
    return { moduleSigning: { enforce, trustedKeys: certificates.value.keys }, note };
  }
  if (!enforce) return { moduleSigning: undefined };
  const why = kernel.kind === 'embedded' ? 'the embedded kernel is built without it' : `the modules in ${kernel.moduleDir} are not signed`;
  return usage(`--sig-enforce needs a kernel that checks module signatures (CONFIG_MODULE_SIG): ${why}`);
}
