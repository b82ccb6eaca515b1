import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createMachine } from '@kmodsim/cpu';
import { findKernelCertificates, KernelSymbolTable, parseModuleSymvers, readModuleImage, type KernelConfig, type ModuleImage } from '@kmodsim/linker';
import { percpuStopMachine } from '@kmodsim/refcount';
import { ModuleCore, formatKernelTaint, formatProcModules, moduleInfo, type ModuleSigning, type SigningKey } from '@kmodsim/module';
import { skipWithout } from '@kmodsim/vitest-config/real-data';

// The module core with a keyring whose key carries its certificate (the one in the Debian
// kernel's vmlinuz): signatures are verified for real, so a module changed after it was signed
// is refused as the kernel refuses it: EKEYREJECTED from module_sig_check, fatal whether or not
// signatures are enforced, with nothing in the kernel log and nothing tainted.

const treesDir = fileURLToPath(new URL('../../../kernel-trees/', import.meta.url));
const version = existsSync(treesDir) ? readdirSync(treesDir).sort().find((v) => existsSync(`${treesDir}${v}/.complete`)) : undefined;
const root = `${treesDir}${version ?? ''}`;
const moduleDir = `${root}/lib/modules/${version ?? ''}`;
const DUMMY = `${moduleDir}/kernel/drivers/net/dummy.ko`;

function image(file: string, bytes: Uint8Array = readFileSync(file)): ModuleImage {
  const read = readModuleImage(file, bytes);
  if (!read.ok) expect.fail(read.message);
  return read.value;
}

/**
 * dummy.ko with one byte of its code flipped: its signature block is untouched. The byte is in
 * the NOP after the first two branches, whose operands are relocation targets that the loader
 * requires to be zero: unchecked, the copy links and loads.
 */
function tamperedDummy(): ModuleImage {
  const bytes = Buffer.from(readFileSync(DUMMY));
  const text = image(DUMMY).elf.section('.text');
  if (text === undefined) expect.fail('dummy.ko has no .text');
  bytes[text.offset + 12] = (bytes[text.offset + 12] ?? 0) ^ 0x01;
  return image(DUMMY, bytes);
}

/** dummy.ko with the last byte of the signer's serial number changed: signed by a key the kernel lacks. */
function otherKeyDummy(keyId: string): ModuleImage {
  const bytes = Buffer.from(readFileSync(DUMMY));
  const at = bytes.lastIndexOf(Buffer.from(keyId, 'hex')) + keyId.length / 2 - 1;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return image(DUMMY, bytes);
}

let builtIn: SigningKey | undefined;
/** The build key from vmlinuz, with its certificate (decompressing vmlinuz once for the file). */
function buildKey(): SigningKey {
  if (builtIn !== undefined) return builtIn;
  const vmlinuz = `${root}/boot/vmlinuz-${version ?? ''}`;
  const found = findKernelCertificates(vmlinuz, readFileSync(vmlinuz));
  if (!found.ok) expect.fail(found.message);
  const [certificate] = found.value.certificates;
  if (certificate === undefined) expect.fail(`no certificate in ${vmlinuz}`);
  builtIn = { signer: certificate.issuer, keyId: Buffer.from(certificate.serialNumber).toString('hex'), certificate: certificate.der };
  return builtIn;
}

function realKernel(signing: ModuleSigning) {
  const symvers = parseModuleSymvers('Module.symvers', readFileSync(`${root}/Module.symvers`, 'utf8'));
  if (!symvers.ok) expect.fail(symvers.message);
  const config: KernelConfig = { vermagic: image(DUMMY).vermagic ?? '', modversions: true, moduleSig: true, forceLoad: false };
  const created = createMachine({ cpuCount: 2 });
  if (!created.ok) expect.fail(created.message);
  const machine = created.value;
  const core = new ModuleCore(machine, { strategy: percpuStopMachine, kernel: { symbols: KernelSymbolTable.fromVmlinux({ symvers: symvers.value }), config, signing } });
  const insmod = (images: readonly ModuleImage[]): string[] => {
    const results: string[] = [];
    machine.spawn({ name: 'insmod', body: function* (self) {
      for (const loaded of images) {
        const result = yield* core.insertImage(self, loaded, {});
        results.push(result.ok ? 'ok' : result.errno);
      }
    } });
    const run = machine.run();
    if (!run.ok) expect.fail(run.fault.message);
    return results;
  };
  return { core, insmod, log: () => core.log.lines.map((line) => line.text), procModules: () => formatProcModules(core.list().map(moduleInfo)) };
}

describe.skipIf(skipWithout('the Debian kernel tree (bash scripts/fetch-kernel-tree.sh)', version !== undefined))('module signatures verified against the certificate in vmlinuz', () => {
  test('the real module loads untainted; its tampered copy is EKEYREJECTED, enforced or not, with no log line and no taint', () => {
    for (const enforce of [false, true]) {
      const kernel = realKernel({ enforce, trustedKeys: [buildKey()] });
      expect(kernel.insmod([tamperedDummy(), image(DUMMY)])).toEqual(['EKEYREJECTED', 'ok']);
      // Only the real module's init speaks: the refusal prints nothing, as in the kernel.
      expect(kernel.log()).toEqual(['dummy: module loaded']);
      expect(kernel.procModules()).toMatch(/^dummy \d+ 0 - Live 0x[0-9a-f]{16}$/m);
      expect(formatKernelTaint(kernel.core.taints)).toBe('Not tainted');
    }
  });

  test('signed by a key the kernel lacks: ENOKEY, forgiven as unsigned (E) unless enforced', () => {
    const key = buildKey();
    const lenient = realKernel({ trustedKeys: [key] });
    expect(lenient.insmod([otherKeyDummy(key.keyId)])).toEqual(['ok']);
    expect(lenient.procModules()).toMatch(/^dummy .* \(E\)$/m);
    const strict = realKernel({ enforce: true, trustedKeys: [key] });
    expect(strict.insmod([otherKeyDummy(key.keyId)])).toEqual(['EKEYREJECTED']);
    expect(strict.log()).toEqual(['Loading of module with unavailable key is rejected']);
  });

  test('a key known only by name cannot check: the tampered copy loads, as before certificates were kept', () => {
    const { signer, keyId } = buildKey();
    const kernel = realKernel({ trustedKeys: [{ signer, keyId }] });
    expect(kernel.insmod([tamperedDummy()])).toEqual(['ok']);
    expect(formatKernelTaint(kernel.core.taints)).toBe('Not tainted');
  });

  test('a certificate that does not parse is left off the keyring, as the kernel skips it: the module counts as unsigned', () => {
    const { signer, keyId } = buildKey();
    const kernel = realKernel({ trustedKeys: [{ signer, keyId, certificate: 'not a certificate' }] });
    expect(kernel.insmod([image(DUMMY)])).toEqual(['ok']);
    expect(kernel.procModules()).toMatch(/^dummy .* \(E\)$/m);
  });
});
