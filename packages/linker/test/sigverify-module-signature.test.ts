import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCertificate, readModuleImage, verifyModuleSignature, type KernelCertificate, type SignatureVerification } from '@kmodsim/linker';
import { fixtureBytes } from './fixtures.js';
import { appendSignature, flipped, makeTestKey, signModule } from './sigverify-signer.js';
import { skipWithout } from '@kmodsim/vitest-config/real-data';

// verifyModuleSignature on a fixture module signed with keys of the test's own: the answers a
// CONFIG_MODULE_SIG kernel gives (kernel/module/signing.c, crypto/asymmetric_keys/pkcs7_*.c).

const module = fixtureBytes('demo_lib.ko');
const ours = makeTestKey('kmodsim test signing key', new Uint8Array([0x01, 0x23, 0x45, 0x67, 0x89]));
const theirs = makeTestKey('someone else\'s key', new Uint8Array([0x7e, 0x57]));

function certificate(source: string | Uint8Array): KernelCertificate {
  const read = readCertificate(source);
  if (!read.ok) expect.fail(read.message);
  return read.value;
}

const ourCertificate = certificate(ours.certificate);
const theirCertificate = certificate(theirs.certificate);

/** The offset of a byte inside the module's .text: its code. */
function codeByte(image: Uint8Array): number {
  const read = readModuleImage('demo_lib.ko', image);
  if (!read.ok) expect.fail(read.message);
  const text = read.value.elf.section('.text');
  if (text === undefined || text.size < 16) expect.fail('demo_lib.ko has no .text');
  return text.offset + 8;
}

function outcome(result: SignatureVerification): string {
  return result.ok ? `verified by ${result.value.certificate.subject}` : result.errno;
}

describe('verifyModuleSignature', () => {
  test('a module signed with a key verifies against that key\'s certificate, given as DER or PEM', () => {
    const signed = signModule(module, ours);
    const viaPem = certificate(ourCertificate.x509.toString());
    for (const trusted of [ourCertificate, viaPem]) {
      const result = verifyModuleSignature('demo_lib.ko', signed, [theirCertificate, trusted]);
      expect(outcome(result)).toBe('verified by kmodsim test signing key');
      if (result.ok) expect(result.value).toMatchObject({ hashAlgorithm: 'sha256', signedBytes: module.length });
    }
    // What the signature names is what modinfo shows: the issuer and the serial number.
    const read = readModuleImage('demo_lib.ko', signed);
    expect(read.ok && read.value.signature).toMatchObject({ signer: 'kmodsim test signing key', keyId: new Uint8Array([0x01, 0x23, 0x45, 0x67, 0x89]) });
  });

  test('one byte of code changed after signing: EKEYREJECTED, and the kernel prints nothing', () => {
    const signed = signModule(module, ours);
    const tampered = flipped(signed, codeByte(signed));
    const result = verifyModuleSignature('demo_lib.ko', tampered, [ourCertificate]);
    expect(result).toMatchObject({ ok: false, errno: 'EKEYREJECTED', kernelLog: [] });
    expect(result.ok ? '' : result.message).toContain('changed after it was signed');
  });

  test('a changed signature value is EKEYREJECTED too', () => {
    const signed = signModule(module, ours);
    // The RSA signature is the last thing in the PKCS#7 message, just before the 12-byte struct.
    expect(outcome(verifyModuleSignature('demo_lib.ko', flipped(signed, signed.length - 28 - 12 - 1), [ourCertificate]))).toBe('EKEYREJECTED');
  });

  test('signed by a key the kernel does not hold: ENOKEY, even when the module was also changed', () => {
    const signed = signModule(module, theirs);
    expect(outcome(verifyModuleSignature('demo_lib.ko', signed, [ourCertificate]))).toBe('ENOKEY');
    expect(outcome(verifyModuleSignature('demo_lib.ko', signed, []))).toBe('ENOKEY');
    expect(outcome(verifyModuleSignature('demo_lib.ko', flipped(signed, codeByte(signed)), [ourCertificate]))).toBe('ENOKEY');
  });

  test('no signature: ENODATA', () => {
    expect(outcome(verifyModuleSignature('demo_lib.ko', module, [ourCertificate]))).toBe('ENODATA');
  });

  test('signed attributes, which sign-file never adds, are refused as the kernel refuses them for modules', () => {
    const result = verifyModuleSignature('demo_lib.ko', signModule(module, ours, { signedAttributes: true }), [ourCertificate]);
    expect(result).toMatchObject({ ok: false, errno: 'EKEYREJECTED', kernelLog: ['PKCS7: Invalid module sig (has authattrs)'] });
  });

  test('a signature block that is not PKCS#7 is ENOPKG; non-zero PKCS#7 fields or a message that does not parse are EBADMSG', () => {
    const signed = Buffer.from(signModule(module, ours));
    const structAt = signed.length - 28 - 12;
    const pgp = Buffer.from(signed);
    pgp[structAt + 2] = 0;
    expect(verifyModuleSignature('x.ko', pgp, [ourCertificate])).toMatchObject({ errno: 'ENOPKG', kernelLog: ['module: not signed with expected PKCS#7 message'] });
    const algo = Buffer.from(signed);
    algo[structAt] = 1;
    expect(verifyModuleSignature('x.ko', algo, [ourCertificate])).toMatchObject({ errno: 'EBADMSG', kernelLog: ['module: PKCS#7 signature info has unexpected non-zero params'] });
    const garbage = appendSignature(module, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    expect(verifyModuleSignature('x.ko', garbage, [ourCertificate])).toMatchObject({ errno: 'EBADMSG', kernelLog: [] });
  });

  test('readCertificate refuses what is not a certificate with EINVAL', () => {
    expect(readCertificate(module, 'demo_lib.ko')).toMatchObject({ ok: false, errno: 'EINVAL', file: 'demo_lib.ko' });
    expect(readCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

// sign-file signs through OpenSSL's CMS API with these flags; `openssl cms` with the same ones
// makes the same message, so this checks the verifier against a signer that is not the test's.
// Without openssl this skips on a developer's machine; CI (KMODSIM_REQUIRE_REAL_DATA=1) fails instead.
describe.skipIf(skipWithout('the openssl command (apt-get install openssl)', openssl))('signatures made by OpenSSL, as scripts/sign-file makes them', () => {
  test('verified with the right certificate, EKEYREJECTED once changed, ENOKEY with another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmodsim-sigverify-'));
    const run = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    };
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/CN=openssl test key', '-days', '2');
    writeFileSync(join(dir, 'module.ko'), module);
    run('cms', '-sign', '-binary', '-noattr', '-nocerts', '-nosmimecap', '-md', 'sha256', '-outform', 'DER',
      '-in', 'module.ko', '-signer', 'cert.pem', '-inkey', 'key.pem', '-out', 'module.p7s');
    const signed = appendSignature(module, readFileSync(join(dir, 'module.p7s')));
    const trusted = certificate(readFileSync(join(dir, 'cert.pem'), 'utf8'));
    expect(outcome(verifyModuleSignature('module.ko', signed, [trusted]))).toBe('verified by openssl test key');
    expect(outcome(verifyModuleSignature('module.ko', flipped(signed, codeByte(signed)), [trusted]))).toBe('EKEYREJECTED');
    expect(outcome(verifyModuleSignature('module.ko', signed, [ourCertificate]))).toBe('ENOKEY');
  });
});
