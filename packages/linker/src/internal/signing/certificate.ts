import { X509Certificate } from 'node:crypto';
import type { Certificate, Name } from '@peculiar/asn1-x509';
import { asn1 } from './asn1.js';
import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';
import { commonName, withoutLeadingZeros } from './names.js';

// A key the kernel trusts, as it holds it: an X.509 certificate on its built-in (or secondary)
// keyring. A PKCS#7 signer names its key by the certificate's issuer and serial number (or by
// its subject key identifier), which is how the kernel's keyring finds the key to check with.

export interface KernelCertificate {
  /** The certificate as DER, byte for byte as it was given or found. */
  readonly der: Uint8Array;
  readonly x509: X509Certificate;
  /** The subject's common name: the kernel names the key after it (`cat /proc/keys`). */
  readonly subject: string;
  /** The issuer's common name: what `modinfo` prints as `signer` for modules this key signed. */
  readonly issuer: string;
  /** The serial number's magnitude, big-endian: `modinfo`'s `sig_key`. */
  readonly serialNumber: Uint8Array;
  /** The issuer Name, re-encoded as DER, to compare with a signer's. */
  readonly issuerDer: Uint8Array;
  readonly subjectKeyId: Uint8Array | undefined;
}

/**
 * An X.509 certificate from PEM text or DER bytes (PEM bytes too). Anything node:crypto cannot
 * read as a certificate is an EINVAL value naming `file`.
 */
export function readCertificate(source: string | Uint8Array, file = 'certificate'): Result<KernelCertificate, LinkerFailure> {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength));
  } catch (error) {
    return fail('EINVAL', `not an X.509 certificate (${(error as Error).message})`, { file });
  }
  const der = new Uint8Array(x509.raw);
  let parsed: Certificate;
  try {
    parsed = asn1().schema.AsnConvert.parse(der, asn1().x509.Certificate);
  } catch (error) {
    // node:crypto (OpenSSL) read it, so this would be a gap in the ASN.1 schema, not bad input.
    return fail('EINVAL', `an X.509 certificate kmodsim cannot take apart (${(error as Error).message})`, { file });
  }
  const tbs = parsed.tbsCertificate;
  return ok({
    der,
    x509,
    subject: commonName(tbs.subject),
    issuer: commonName(tbs.issuer),
    serialNumber: withoutLeadingZeros(new Uint8Array(tbs.serialNumber)),
    issuerDer: nameDer(tbs.issuer),
    subjectKeyId: subjectKeyIdOf(parsed),
  });
}

export function nameDer(name: Name): Uint8Array {
  return new Uint8Array(asn1().schema.AsnConvert.serialize(name));
}

function subjectKeyIdOf(certificate: Certificate): Uint8Array | undefined {
  const { schema: { AsnConvert }, x509: { id_ce_subjectKeyIdentifier, SubjectKeyIdentifier } } = asn1();
  const extension = certificate.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  if (extension === undefined) return undefined;
  try {
    return new Uint8Array(AsnConvert.parse(extension.extnValue, SubjectKeyIdentifier).buffer);
  } catch {
    // A malformed extension identifies nothing; the issuer and serial number still do.
    return undefined;
  }
}
