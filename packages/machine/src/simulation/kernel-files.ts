import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, ok, strerror, type Result } from '@kmodsim/cpu';
import { computeDepmod, findKernelCertificates, MAX_MODULE_BYTES, readModuleImage } from '@kmodsim/linker';
import type { KernelSource, TrustedKeyRecord } from '../machine-store/records.js';
import { walkModuleTree } from '../kernel-tree/module-tree.js';
import { writeFileAtomic } from '../machine-store/durable-file.js';
import { makeDirectoriesOrThrow } from '../machine-store/make-directories.js';
import { readOwnFile } from '../machine-store/own-file.js';
import { treeTextOrNothing } from '../kmod/tree-text.js';
import { EMBEDDED_MODULES, EMBEDDED_RELEASE, moduleDirOf } from '../machine-store/kernel-dirs.js';

// Where a machine's kernel lives on disk: its module tree, its Module.symvers and the depmod
// files modprobe reads. The embedded kernel is the project's demo modules, built from its own C
// sources, copied into the machine at boot; a real tree stays where it is, and only its depmod
// files (computed at boot) go into the machine directory.

export const EMBEDDED_VERMAGIC = '6.1.0-kmodsim SMP preempt mod_unload modversions ';

/**
 * The embedded kernel's files, shipped in this package's dist/embedded-kernel/ (copied there at
 * build). This file sits two levels below the package root both as source (src/simulation/) and
 * built (dist/simulation/), so one relative path finds them from either.
 */
function embeddedKernelDir(): string {
  const dir = fileURLToPath(new URL('../../dist/embedded-kernel/', import.meta.url));
  if (!existsSync(join(dir, 'Module.symvers'))) throw new Error(`the embedded kernel's files are missing from ${dir} (run pnpm build)`);
  return dir;
}

export function symversOf(kernel: KernelSource): string {
  return kernel.kind === 'embedded' ? join(embeddedKernelDir(), 'Module.symvers') : kernel.symvers;
}

/** Lays out the embedded kernel's module tree in the machine directory. */
export function installEmbeddedTree(machineDir: string): void {
  const source = embeddedKernelDir();
  const moduleDir = moduleDirOf(machineDir, { kind: 'embedded', release: EMBEDDED_RELEASE });
  makeDirectoriesOrThrow(join(moduleDir, 'kernel', 'demo'));
  for (const name of EMBEDDED_MODULES) copyFileSync(join(source, `${name}.ko`), join(moduleDir, 'kernel', 'demo', `${name}.ko`));
  writeFileAtomic(join(moduleDir, 'modules.order'), EMBEDDED_MODULES.map((name) => `kernel/demo/${name}.ko\n`).join(''));
}

/** depmod over the machine's tree, written into the machine: modprobe's view of it. */
export function writeDepmodFiles(moduleDir: string, depmodDir: string): string[] {
  const walked = walkModuleTree(moduleDir);
  const orderFile = join(moduleDir, 'modules.order');
  const order = treeTextOrNothing(orderFile)?.split('\n').filter((line) => line !== '');
  const output = computeDepmod({ modules: walked.modules, ...(order === undefined ? {} : { modulesOrder: order }), checkSymvers: false, printUnknown: false });
  if (output.cycleError !== undefined) return [...walked.errors, output.cycleError];
  makeDirectoriesOrThrow(depmodDir);
  for (const file of output.files) writeFileAtomic(join(depmodDir, file.name), file.contents);
  return walked.errors;
}

/**
 * The real tree's module directory from what the user named: the directory itself, or a root
 * holding lib/modules/VERSION (one version).
 */
export function findModuleDir(given: string): Result<{ readonly moduleDir: string; readonly release: string }> {
  const dir = resolve(given);
  if (!existsSync(dir)) return fail('ENOENT', `${given}: ${strerror('ENOENT')}`);
  if (existsSync(join(dir, 'modules.order')) || existsSync(join(dir, 'kernel'))) return ok({ moduleDir: dir, release: dir.slice(dir.lastIndexOf('/') + 1) });
  const versions = existsSync(join(dir, 'lib', 'modules')) ? readdirSync(join(dir, 'lib', 'modules')) : [];
  const [release] = versions;
  if (release === undefined || versions.length > 1) return fail('ENOENT', `${given} is neither a module directory nor a root with exactly one lib/modules/VERSION`);
  return ok({ moduleDir: join(dir, 'lib', 'modules', release), release });
}

/** The kernel's vermagic, as the tree's modules were built for it: the first module's in modules.order. */
export function vermagicOfTree(moduleDir: string): string | undefined {
  return firstInOrder(moduleDir, (path, bytes) => {
    const image = readModuleImage(path, bytes);
    return image.ok ? image.value.vermagic : undefined;
  });
}

/**
 * The key the tree's modules were signed with (the first signed module's in modules.order), or
 * undefined for a tree of unsigned modules. A kernel that signs its modules at build time holds
 * that key on its built-in keyring and was built with CONFIG_MODULE_SIG.
 */
export function signingKeyOfTree(moduleDir: string): TrustedKeyRecord | undefined {
  return firstInOrder(moduleDir, (path, bytes) => {
    const image = readModuleImage(path, bytes);
    const signature = image.ok ? image.value.signature : undefined;
    if (signature?.idType !== 'PKCS#7') return undefined;
    return { signer: signature.signer, keyId: hexOf(signature.keyId) };
  });
}

/** The certificates built into the tree's kernel image, as keys the machine's kernel trusts. */
export type TreeCertificates = Result<{ readonly vmlinuz: string; readonly keys: readonly TrustedKeyRecord[] }>;

/**
 * The tree's kernel image: boot/vmlinuz-RELEASE beside lib/modules/RELEASE, as a Debian
 * package's data (or a root filesystem) lays them out.
 */
export function vmlinuzOfTree(moduleDir: string, release: string): string {
  return resolve(moduleDir, '..', '..', '..', 'boot', `vmlinuz-${release}`);
}

/**
 * The X.509 certificates in the tree's vmlinuz: what its kernel holds on its built-in keyring.
 * This decompresses the kernel (most of a second for Debian's), so boot does it once and keeps
 * the certificates in the machine's configuration.
 */
export function certificatesOfTree(moduleDir: string, release: string): TreeCertificates {
  const vmlinuz = vmlinuzOfTree(moduleDir, release);
  // A kernel image is some 10 MB; a FIFO or /dev/zero in its place must not block or fill memory.
  const image = readOwnFile(vmlinuz, MAX_MODULE_BYTES, true);
  if (!image.ok) return fail(image.errno, `cannot read the kernel image ${vmlinuz}: ${image.message}`);
  if (image.value.kind === 'missing') return fail('ENOENT', `no kernel image at ${vmlinuz}`);
  const bytes = image.value.bytes;
  const found = findKernelCertificates(vmlinuz, bytes);
  if (!found.ok) return fail(found.errno, `${vmlinuz}: ${found.message}`);
  if (found.value.certificates.length === 0) return fail('ENOKEY', `no X.509 certificate in ${vmlinuz}`);
  const keys = found.value.certificates.map((certificate) => ({
    signer: certificate.issuer,
    keyId: hexOf(certificate.serialNumber),
    certificate: certificate.x509.toString(),
  }));
  return ok({ vmlinuz, keys });
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The first answer `read` gives for the first 20 modules of modules.order. */
function firstInOrder<T>(moduleDir: string, read: (path: string, bytes: Uint8Array) => T | undefined): T | undefined {
  const order = treeTextOrNothing(join(moduleDir, 'modules.order'));
  if (order === undefined) return undefined;
  for (const line of order.split('\n').slice(0, 20)) {
    if (line === '') continue;
    const path = join(moduleDir, line);
    const module = readOwnFile(path, MAX_MODULE_BYTES, true);
    if (!module.ok || module.value.kind === 'missing') continue;
    const found = read(path, module.value.bytes);
    if (found !== undefined) return found;
  }
  return undefined;
}
