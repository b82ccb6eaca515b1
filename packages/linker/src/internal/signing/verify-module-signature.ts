import { createHash, verify } from 'node:crypto';
import { fail, ok, type Failure, type Result } from '@kmodsim/cpu';
import { HASH_BY_OID, KEY_TYPES_OF, PKEY_BY_OID } from './algorithms.js';
import type { KernelCertificate } from './certificate.js';
import { sameBytes } from './names.js';
import { OID_DATA, readPkcs7Message, type Pkcs7Signer } from './pkcs7-message.js';
import { hasSignatureMagic, SIGNATURE_MAGIC_BYTES } from '../image/signature.js';

// A module's signature checked as Linux 6.1 checks it (kernel/module/signing.c mod_verify_sig,
// kernel/module_signature.c mod_check_sig, certs/system_keyring.c verify_pkcs7_signature and
// crypto/asymmetric_keys/pkcs7_{parser,verify,trust}.c), against the certificates the kernel
// holds. The answers and their order are the kernel's: no marker is ENODATA; a struct
// module_signature that does not describe a PKCS#7 message is ENOPKG or EBADMSG; a message
// that does not parse is EBADMSG, one with an algorithm the kernel lacks ENOPKG; a module
// signature with signed attributes, or over anything but id-data, is EKEYREJECTED; then a
// signer whose key is not among the certificates is ENOKEY, and a signature the key does not
// verify is EKEYREJECTED. The caller (module_sig_check) decides which of them are fatal.

export type SignatureErrno = 'ENODATA' | 'ENOPKG' | 'ENOKEY' | 'EKEYREJECTED' | 'EBADMSG';

export interface VerifiedSignature {
  /** The certificate whose key verified the signature. */
  readonly certificate: KernelCertificate;
  /** node:crypto's name for the digest the signer used (`sha256`). */
  readonly hashAlgorithm: string;
  /** The bytes the signature covers: the module before its signature block. */
  readonly signedBytes: number;
}

/** The signer, or the kernel's answer and the file; either way what the kernel printed on the way (most answers print nothing). */
export type SignatureVerification = Result<VerifiedSignature, Failure<SignatureErrno> & { readonly file: string }> & {
  readonly kernelLog: readonly string[];
};

/** sizeof(struct module_signature). */
const MODULE_SIGNATURE_BYTES = 12;
const PKEY_ID_PKCS7 = 2;
/** The struct's bytes that must be zero for PKCS#7: all but id_type and sig_len. */
const ZERO_FOR_PKCS7 = [0, 1, 3, 4, 5, 6, 7] as const;
/** The kernel's crypto names that OpenSSL spells differently. */
const NODE_HASH_NAMES: Readonly<Record<string, string>> = { rmd160: 'ripemd160' };

/**
 * Verifies the signature appended to a module's uncompressed image against the kernel's
 * trusted certificates (see readCertificate, findKernelCertificates).
 */
export function verifyModuleSignature(file: string, image: Uint8Array, trusted: readonly KernelCertificate[]): SignatureVerification {
  const kernelLog: string[] = [];
  const refuse = (errno: SignatureErrno, message: string): SignatureVerification => fail(errno, message, { file, kernelLog });
  if (!hasSignatureMagic(image)) return refuse('ENODATA', 'the module has no signature appended');
  const withoutMarker = image.length - SIGNATURE_MAGIC_BYTES;
  if (withoutMarker <= MODULE_SIGNATURE_BYTES) return refuse('EBADMSG', 'the signature marker follows no signature block');
  const ms = image.subarray(withoutMarker - MODULE_SIGNATURE_BYTES, withoutMarker);
  const signatureBytes = new DataView(ms.buffer, ms.byteOffset + 8, 4).getUint32(0, false);
  if (signatureBytes >= withoutMarker - MODULE_SIGNATURE_BYTES) return refuse('EBADMSG', `the signature block claims ${signatureBytes} bytes, more than the module has`);
  if (ms[2] !== PKEY_ID_PKCS7) {
    kernelLog.push('module: not signed with expected PKCS#7 message');
    return refuse('ENOPKG', `the signature is not a PKCS#7 message (id_type ${ms[2] ?? 0})`);
  }
  if (ZERO_FOR_PKCS7.some((index) => ms[index] !== 0)) {
    kernelLog.push('module: PKCS#7 signature info has unexpected non-zero params');
    return refuse('EBADMSG', 'the signature block has non-zero fields that PKCS#7 leaves zero');
  }
  const signedBytes = withoutMarker - MODULE_SIGNATURE_BYTES - signatureBytes;
  const message = readPkcs7Message(image.subarray(signedBytes, signedBytes + signatureBytes));
  if ('malformed' in message) return refuse('EBADMSG', message.malformed);
  // pkcs7_parser.c refuses an algorithm it has no name for while parsing, before anything else.
  for (const signer of message.signers) {
    if (HASH_BY_OID[signer.digestOid] === undefined) {
      kernelLog.push(`Unsupported digest algo: ${signer.digestOid}`);
      return refuse('ENOPKG', `the signature's digest algorithm ${signer.digestOid} is not one the kernel supports`);
    }
    if (PKEY_BY_OID[signer.signatureOid] === undefined) {
      kernelLog.push(`Unsupported pkey algo: ${signer.signatureOid}`);
      return refuse('ENOPKG', `the signature algorithm ${signer.signatureOid} is not one the kernel supports`);
    }
  }
  // The kernel takes the module as the detached content; a message that brings its own is refused.
  if (message.hasContent) return refuse('EBADMSG', 'the PKCS#7 message carries content of its own; a module signature is detached');
  // pkcs7_verify, for VERIFYING_MODULE_SIGNATURE: sign-file makes neither of these.
  if (message.contentType !== OID_DATA) {
    kernelLog.push('PKCS7: Invalid module sig (not pkcs7-data)');
    return refuse('EKEYREJECTED', `the signed content type is ${message.contentType}, not id-data`);
  }
  if (message.signers.some((signer) => signer.hasSignedAttributes)) {
    kernelLog.push('PKCS7: Invalid module sig (has authattrs)');
    return refuse('EKEYREJECTED', 'the signature has authenticated attributes, which a module signature may not have');
  }
  const content = image.subarray(0, signedBytes);
  return validateTrust(message.signers, content, trusted, kernelLog, refuse, signedBytes);
}

type Refuse = (errno: SignatureErrno, message: string) => SignatureVerification;

/**
 * pkcs7_validate_trust: any signer verified by a trusted key is enough; one that a trusted key
 * fails to verify is fatal at once; otherwise ENOPKG beats ENOKEY.
 */
function validateTrust(signers: readonly Pkcs7Signer[], content: Uint8Array, trusted: readonly KernelCertificate[], kernelLog: string[], refuse: Refuse, signedBytes: number): SignatureVerification {
  let verified: VerifiedSignature | undefined;
  let unsupported: string | undefined;
  for (const signer of signers) {
    const hashAlgorithm = nodeHashName(signer.digestOid);
    if (hashAlgorithm === undefined) {
      unsupported ??= `this machine's crypto cannot compute the signature's ${HASH_BY_OID[signer.digestOid] ?? signer.digestOid} digest`;
      continue;
    }
    const certificate = trusted.find((candidate) => names(signer, candidate));
    if (certificate === undefined) continue;
    if (!verifies(signer, hashAlgorithm, content, certificate)) {
      return refuse('EKEYREJECTED', `the signature does not verify with the key of "${certificate.subject}": the module was changed after it was signed`);
    }
    verified ??= { certificate, hashAlgorithm, signedBytes };
  }
  if (verified !== undefined) return { ...ok(verified), kernelLog };
  if (unsupported !== undefined) return refuse('ENOPKG', unsupported);
  return refuse('ENOKEY', 'the module was signed by a key the kernel does not hold');
}

/** Whether the signer names this certificate's key, by issuer and serial number or by key identifier. */
function names(signer: Pkcs7Signer, certificate: KernelCertificate): boolean {
  const { key } = signer;
  if (key.kind === 'subject-key-id') return certificate.subjectKeyId !== undefined && sameBytes(key.keyId, certificate.subjectKeyId);
  return sameBytes(key.serialNumber, certificate.serialNumber) && sameBytes(key.issuerDer, certificate.issuerDer);
}

/**
 * The public-key check (public_key_verify_signature). Any failure is a rejection, as
 * pkcs7_validate_trust_one turns every verification error into EKEYREJECTED: a key of the wrong
 * type for the signature, a signature of the wrong size, a digest that does not match.
 */
function verifies(signer: Pkcs7Signer, hashAlgorithm: string, content: Uint8Array, certificate: KernelCertificate): boolean {
  const family = PKEY_BY_OID[signer.signatureOid];
  const key = certificate.x509.publicKey;
  if (family === undefined || !KEY_TYPES_OF[family].includes(key.asymmetricKeyType ?? '')) return false;
  try {
    return verify(hashAlgorithm, content, key, signer.signature);
  } catch {
    return false;
  }
}

/** node:crypto's name for the digest, or undefined when this Node's OpenSSL cannot compute it. */
function nodeHashName(oid: string): string | undefined {
  const kernelName = HASH_BY_OID[oid];
  if (kernelName === undefined) return undefined;
  const name = NODE_HASH_NAMES[kernelName] ?? kernelName;
  try {
    createHash(name);
    return name;
  } catch {
    return undefined;
  }
}
