import { fail, ok, type Result } from '@kmodsim/cpu';
import { readCertificate, readSignature, verifyModuleSignature, type ForceFlags, type KernelCertificate } from '@kmodsim/linker';
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
export type SignatureCheck = Result<{ readonly sigOk: boolean }> & { readonly kernelLog: readonly string[] };

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
  if (!mangled) {
    const verified = modVerifySig(image, signing, kernelLog);
    if (verified === undefined) return { ...ok({ sigOk: true }), kernelLog };
    error = verified;
  }
  if (error === 'EBADMSG' || error === 'EKEYREJECTED') return { ...fail(error, FATAL[error]), kernelLog };
  const reason = FORGIVEN[error];
  if (signing.enforce === true) {
    kernelLog.push(`Loading of ${reason} is rejected`);
    return { ...fail('EKEYREJECTED', `loading of ${reason} is rejected: module signatures are enforced`), kernelLog };
  }
  return { ...ok({ sigOk: false }), kernelLog };
}

/**
 * The kernel's notice and taint for a module added without a verified signature. The notice is
 * pr_notice_once: only the first such module of a boot gets it, while every one is tainted.
 */
export class UnsignedModuleTaint {
  /** Whether the boot's one notice has been printed (public for snapshots). */
  noticed = false;

  apply(load: ModuleLoad, print: (line: string) => void): ModuleLoad {
    if (!this.noticed) {
      this.noticed = true;
      print(`${load.name}: module verification failed: signature and/or required key missing - tainting kernel`);
    }
    return { ...load, taints: [...(load.taints ?? []), 'UNSIGNED_MODULE'] };
  }
}

/**
 * mod_verify_sig: the linker checks the signature block (mod_check_sig), parses the PKCS#7 message
 * and verifies it with the keys that carry a certificate. A signer none of them names may still
 * be a key known only by name, or any key when the keyring is not modelled.
 */
function modVerifySig(image: Uint8Array, signing: ModuleSigning, kernelLog: string[]): VerifyError | undefined {
  const keys = signing.trustedKeys;
  const verified = verifyModuleSignature('module', image, keys === undefined ? [] : certificatesOf(keys));
  kernelLog.push(...verified.kernelLog);
  if (verified.ok) return undefined;
  if (verified.errno !== 'ENOKEY') return verified.errno;
  if (keys === undefined) return undefined;
  const signature = readSignature(image);
  if (signature === undefined) return 'EBADMSG';
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
