import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { findKernelCertificates } from '@kmodsim/linker';
import { fixtureBytes } from './fixtures.js';
import { flipped, makeTestKey } from './sigverify-signer.js';

// findKernelCertificates on kernel images made here: an ELF "vmlinux" (a real ELF object with a
// certificate list in the middle, as certs/system_certificates.S lays it out) and bzImages
// around it, built to Documentation/x86/boot.rst. The real Debian vmlinuz is in
// sigverify-real-tree.test.ts.

const first = makeTestKey('kmodsim built-in key one', new Uint8Array([0x11]));
const second = makeTestKey('kmodsim built-in key two', new Uint8Array([0x22, 0x22]));
const elf = fixtureBytes('demo_lib.ko');
/** Code, then the certificate list (one certificate twice, as a list may repeat one), then code again. */
const vmlinux = Buffer.concat([elf, first.certificate, second.certificate, first.certificate, elf]);

/** A bzImage: setup sectors with the header fields, then the protected-mode part holding the payload. */
function bzImage(payload: Uint8Array, version = 0x020f): Buffer {
  const setupSectors = 3;
  const payloadOffset = 0x300;
  const image = Buffer.alloc((setupSectors + 1) * 512 + payloadOffset + payload.length + 64);
  image[0x1f1] = setupSectors;
  image.write('HdrS', 0x202, 'latin1');
  image.writeUInt16LE(version, 0x206);
  image.writeUInt32LE(payloadOffset, 0x248);
  image.writeUInt32LE(payload.length, 0x24c);
  image.set(payload, (setupSectors + 1) * 512 + payloadOffset);
  return image;
}

/** A failure as "errno: message", to compare with what a user reads. */
const refusal = (result: ReturnType<typeof findKernelCertificates>): string => (result.ok ? 'found' : `${result.errno}: ${result.message}`);

const subjects = (result: ReturnType<typeof findKernelCertificates>): string[] => (result.ok ? result.value.certificates.map((c) => c.subject) : [result.message]);

describe('findKernelCertificates', () => {
  test('an uncompressed vmlinux: each certificate once, in order, with the serial number modinfo shows', () => {
    const found = findKernelCertificates('vmlinux', vmlinux);
    expect(subjects(found)).toEqual(['kmodsim built-in key one', 'kmodsim built-in key two']);
    expect(found.ok && found.value).toMatchObject({ compression: 'none', vmlinuxBytes: vmlinux.length });
    expect(found.ok && Buffer.from(found.value.certificates[1]?.serialNumber ?? []).toString('hex')).toBe('2222');
    expect(found.ok && Buffer.from(found.value.certificates[0]?.der ?? []).equals(first.certificate)).toBe(true);
  });

  test('a gzip bzImage: the payload is found from the setup header and decompressed', () => {
    const found = findKernelCertificates('vmlinuz', bzImage(gzipSync(vmlinux)));
    expect(subjects(found)).toEqual(['kmodsim built-in key one', 'kmodsim built-in key two']);
    expect(found.ok && found.value.compression).toBe('gzip');
  });

  test('a kernel without certificates has none, which is not a failure', () => {
    expect(findKernelCertificates('vmlinux', elf)).toMatchObject({ ok: true, value: { certificates: [] } });
  });

  test('what kmodsim cannot read is ENOEXEC, saying why', () => {
    const lz4 = Buffer.concat([Buffer.from([0x02, 0x21, 0x4c, 0x18]), Buffer.alloc(64)]);
    expect(refusal(findKernelCertificates('vmlinuz', bzImage(lz4)))).toBe('ENOEXEC: lz4 payload: a kernel compressed with lz4 cannot be decompressed by kmodsim (it reads xz, zstd and gzip)');
    expect(refusal(findKernelCertificates('vmlinuz', bzImage(gzipSync(vmlinux), 0x0206)))).toBe('ENOEXEC: boot protocol 2.6 predates payload_offset (2.08)');
    expect(refusal(findKernelCertificates('initrd.gz', gzipSync(vmlinux)))).toBe('ENOEXEC: neither a bzImage (no HdrS header) nor an ELF vmlinux');
    const gzipped = gzipSync(vmlinux);
    expect(refusal(findKernelCertificates('vmlinuz', bzImage(flipped(gzipped, gzipped.length - 30))))).toMatch(/^ENOEXEC: gzip payload: /);
  });

  test('a payload that would decompress past the limit is refused', () => {
    const found = findKernelCertificates('vmlinuz', bzImage(gzipSync(vmlinux)), 4096);
    expect(refusal(found)).toMatch(/^ENOEXEC: decompressed image exceeds 4096 bytes \(refused after counting \d+\)$/);
  });
});
