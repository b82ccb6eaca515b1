import { readCertificate, readSignature, verifyModuleSignature, type ForceFlags, type KernelCertificate } from '@kmodsim/linker';
import { failure, type SyscallFailure } from './errno.js';
import type { ModuleLoad } from './module-load.js';

// Module signature checking, as a kernel built with CONFIG_MODULE_SIG does it (Linux 6.1,
// kernel/module/signing.c and kernel/module_signature.c). module_sig_check is the first thing
// load_module does: an image that ends with the marker has its signature block checked and cut
// off; a module without one, or signed by a key the kernel does not hold, is "unsigned", which
// is allowed (and taints the kernel 'E', once the module is added) unless signatures are
// enforced, when it is refused with EKEYREJECTED. Any other verification error is fatal whether
// or not signatures are enforced: a malformed block (EBADMSG), and a signature its key does not
// verify (EKEYREJECTED: the module was changed after it was signed). The kernel prints nothing
// for that last one; insmod says "Key was rejected by service".
//
// A trusted key that carries its X.509 certificate is checked for real: the linker verifies the
// PKCS#7 signature over the module with the certificate's public key. A key known only by its
// name and serial number (a tree without its vmlinuz, or a machine booted before certificates
// were kept) cannot check anything: a well-formed signature naming it is taken as verified.
// Kernel lockdown (security_locked_down on Secure Boot) is not modelled: without enforcement an
// unsigned module is allowed, as on a machine booted without Secure Boot.

const MARKER = new TextEncoder().encode('~Module signature appended~\n');
/** sizeof(struct module_signature): algo, hash, id_type, signer_len, key_id_len, 3 pad bytes, be32 sig_len. */
const MODULE_SIGNATURE_BYTES = 12;
const PKEY_ID_PKCS7 = 2;
/** The struct's bytes that must be zero for PKCS#7 (all but id_type and sig_len). */
const ZERO_FOR_PKCS7 = [0, 1, 3, 4, 5, 6, 7] as const;

/** A key on the kernel's keyrings, named as a PKCS#7 signer names it (issuer and serial number). */
export interface SigningKey {
  /** The issuer's common name: what modinfo prints as `signer`. */
  readonly signer: string;
  /** The serial number, lower-case hex without separators: modinfo's `sig_key` without its colons. */
  readonly keyId: string;
  /**
   * The key's X.509 certificate (PEM text or DER bytes). With it, signatures are verified
   * cryptographically; without it, a signature naming this key is taken on trust.
   */
  readonly certificate?: string | Uint8Array;
}

/** How a kernel with CONFIG_MODULE_SIG treats module signatures. */
export interface ModuleSigning {
  /** module.sig_enforce=1 (or CONFIG_MODULE_SIG_FORCE): a module without a valid signature is refused. */
  readonly enforce?: boolean;
  /**
   * The keys the kernel holds (its built-in and secondary keyrings). Undefined: every
   * well-formed PKCS#7 signature counts as made by one of them.
   */
  readonly trustedKeys?: readonly SigningKey[];
}

/** What module_sig_check decided: load_module goes on (with info->sig_ok), or returns the error. */
export type SignatureCheck =
  | { readonly ok: true; readonly sigOk: boolean; readonly kernelLog: readonly string[] }
  | { readonly ok: false; readonly failure: SyscallFailure; readonly kernelLog: readonly string[] };

/** mod_verify_sig's errors: the first three are not fatal without enforcement. */
type VerifyError = 'ENODATA' | 'ENOPKG' | 'ENOKEY' | 'EBADMSG' | 'EKEYREJECTED';
type ForgivenError = Exclude<VerifyError, 'EBADMSG' | 'EKEYREJECTED'>;

/** What the caller is told about the fatal errors. */
const FATAL: Readonly<Record<Exclude<VerifyError, ForgivenError>, string>> = {
  EBADMSG: 'the signature block appended to the module is malformed',
  EKEYREJECTED: 'the module\'s signature does not verify with the key it names: the module was changed after it was signed',
};

/** module_sig_check's words for the errors it forgives (or, enforcing, names in its notice). */
const FORGIVEN: Readonly<Record<ForgivenError, string>> = {
  ENODATA: 'unsigned module',
  ENOPKG: 'module with unsupported crypto',
  ENOKEY: 'module with unavailable key',
};

/** module_sig_check over a module's (uncompressed) image, with insmod's force flags. */
export function moduleSigCheck(image: Uint8Array, force: ForceFlags, signing: ModuleSigning): SignatureCheck {
  const kernelLog: string[] = [];
  // The kernel does not even look at the signature of a module loaded with
  // MODULE_INIT_IGNORE_VERMAGIC or _MODVERSIONS: with its version information ignored, it is no
  // longer the module that was signed.
  const mangled = force.ignoreVermagic === true || force.ignoreModversions === true;
  let error: VerifyError = 'ENODATA';
  if (!mangled && endsWithMarker(image)) {
    const verified = modVerifySig(image, image.length - MARKER.length, signing, kernelLog);
    if (verified === undefined) return { ok: true, sigOk: true, kernelLog };
    error = verified;
  }
  if (error === 'EBADMSG' || error === 'EKEYREJECTED') return { ok: false, failure: failure(error, FATAL[error]), kernelLog };
  const reason = FORGIVEN[error];
  if (signing.enforce === true) {
    kernelLog.push(`Loading of ${reason} is rejected`);
    return { ok: false, failure: failure('EKEYREJECTED', `loading of ${reason} is rejected: module signatures are enforced`), kernelLog };
  }
  return { ok: true, sigOk: false, kernelLog };
}

/**
 * The kernel's notice and taint for a module added without a verified signature. The notice is
 * pr_notice_once: only the first such module of a boot gets it, while every one is tainted.
 */
export class UnsignedModuleTaint {
  private noticed = false;

  apply(load: ModuleLoad, print: (line: string) => void): ModuleLoad {
    if (!this.noticed) {
      this.noticed = true;
      print(`${load.name}: module verification failed: signature and/or required key missing - tainting kernel`);
    }
    return { ...load, taints: [...(load.taints ?? []), 'UNSIGNED_MODULE'] };
  }
}

function endsWithMarker(image: Uint8Array): boolean {
  if (image.length <= MARKER.length) return false;
  const tail = image.subarray(image.length - MARKER.length);
  return MARKER.every((byte, index) => tail[index] === byte);
}

/** mod_verify_sig over the image up to `length` (the marker already cut off). */
function modVerifySig(image: Uint8Array, length: number, signing: ModuleSigning, kernelLog: string[]): VerifyError | undefined {
  if (length <= MODULE_SIGNATURE_BYTES) return 'EBADMSG';
  const checked = modCheckSig(image.subarray(length - MODULE_SIGNATURE_BYTES, length), length, 'module', kernelLog);
  if (checked !== undefined) return checked;
  const keys = signing.trustedKeys;
  const certificates = keys === undefined ? [] : certificatesOf(keys);
  if (certificates.length > 0) {
    // The real check: the linker redoes verify_pkcs7_signature with the certificates' keys. A
    // signer none of them names may still be a key known only by name, below.
    const verified = verifyModuleSignature('module', image, certificates);
    kernelLog.push(...verified.kernelLog);
    if (verified.ok) return undefined;
    if (verified.errno !== 'ENOKEY') return verified.errno;
  }
  // verify_pkcs7_signature: a message that does not parse (ASN.1 that is not a CMS SignedData
  // with a signer) is EBADMSG. The block's own fields were checked above, so the linker's
  // reader sees what the kernel's parser sees.
  const signature = readSignature(image);
  if (signature === undefined) return 'EBADMSG';
  // pkcs7_validate_trust: the signer must be a key on the kernel's keyrings, else ENOKEY.
  if (keys === undefined) return undefined;
  const keyId = hex(signature.keyId);
  const named = keys.some((key) => key.certificate === undefined && key.signer === signature.signer && key.keyId === keyId);
  return named ? undefined : 'ENOKEY';
}

/**
 * The keys' certificates, read anew for each load: a certificate is parsed in microseconds, and
 * the module core keeps no state outside the machine. One that does not parse is left out, as
 * the kernel skips a built-in certificate it cannot load ("Problem loading in-kernel X.509
 * certificate").
 */
function certificatesOf(keys: readonly SigningKey[]): KernelCertificate[] {
  const certificates: KernelCertificate[] = [];
  for (const key of keys) {
    if (key.certificate === undefined) continue;
    const read = readCertificate(key.certificate, key.signer);
    if (read.ok) certificates.push(read.value);
  }
  return certificates;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** mod_check_sig: the struct module_signature before the marker must describe a PKCS#7 message that fits. */
function modCheckSig(ms: Uint8Array, fileBytes: number, name: string, kernelLog: string[]): VerifyError | undefined {
  const signatureBytes = new DataView(ms.buffer, ms.byteOffset + 8, 4).getUint32(0, false);
  if (signatureBytes >= fileBytes - MODULE_SIGNATURE_BYTES) return 'EBADMSG';
  if (ms[2] !== PKEY_ID_PKCS7) {
    kernelLog.push(`${name}: not signed with expected PKCS#7 message`);
    return 'ENOPKG';
  }
  if (ZERO_FOR_PKCS7.some((index) => ms[index] !== 0)) {
    kernelLog.push(`${name}: PKCS#7 signature info has unexpected non-zero params`);
    return 'EBADMSG';
  }
  return undefined;
}
