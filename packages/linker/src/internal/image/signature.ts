import type { SignedData } from '@peculiar/asn1-cms';
import { asn1 } from '../signing/asn1.js';
import { HASH_BY_OID } from '../signing/algorithms.js';
import { commonName, withoutLeadingZeros } from '../signing/names.js';

// The signature scripts/sign-file appends to a module: the PKCS#7 (CMS) message, then a 12-byte
// struct module_signature (algo, hash, id_type, signer_len, key_id_len, 3 pad bytes, big-endian
// sig_len), then the magic string. For PKCS#7 the signer, key id and hash live inside the
// message; the struct's own fields are only used by the older id types.

export interface ModuleSignature {
  /** 'PKCS#7' for every current kernel; 'PGP' or 'X509' for the old formats. */
  readonly idType: string;
  /** The common name of the certificate issuer that signed it. */
  readonly signer: string;
  /** The certificate serial number (PKCS#7) or key identifier. */
  readonly keyId: Uint8Array;
  readonly hashAlgorithm: string;
  readonly signature: Uint8Array;
  /** Bytes before the signature block: the module as it was signed. */
  readonly signedBytes: number;
}

const MAGIC = Buffer.from('~Module signature appended~\n');
/** The magic's length: what a signed module ends with. */
export const SIGNATURE_MAGIC_BYTES = MAGIC.length;
const TRAILER_BYTES = 12;
const ID_TYPES = ['PGP', 'X509', 'PKCS#7'] as const;
const PKEY_ALGO_COUNT = 2;
const HASH_NAMES = ['md4', 'md5', 'sha1', 'rmd160', 'sha256', 'sha384', 'sha512', 'sha224', 'sm3'] as const;

/** Whether the image ends with the signature magic at all. */
export function hasSignatureMagic(image: Uint8Array): boolean {
  return image.length >= MAGIC.length && Buffer.from(image.subarray(image.length - MAGIC.length)).equals(MAGIC);
}

/**
 * The appended signature, or undefined when there is none or it cannot be parsed (kmod then
 * shows no signature fields either).
 */
export function readSignature(image: Uint8Array): ModuleSignature | undefined {
  if (!hasSignatureMagic(image)) return undefined;
  let end = image.length - MAGIC.length;
  if (end < TRAILER_BYTES) return undefined;
  end -= TRAILER_BYTES;
  const trailer = image.subarray(end, end + TRAILER_BYTES);
  const [algo = 0, hash = 0, idType = 0, signerBytes = 0, keyIdBytes = 0] = trailer;
  const signatureBytes = new DataView(trailer.buffer, trailer.byteOffset + 8, 4).getUint32(0, false);
  const idName = ID_TYPES[idType];
  const hashName = HASH_NAMES[hash];
  if (algo >= PKEY_ALGO_COUNT || hashName === undefined || idName === undefined) return undefined;
  if (signatureBytes === 0 || end < signerBytes + keyIdBytes + signatureBytes) return undefined;
  const signatureStart = end - signatureBytes;
  if (idName === 'PKCS#7') return readPkcs7(image.subarray(signatureStart, end), signatureStart);
  const keyIdStart = signatureStart - keyIdBytes;
  const signerStart = keyIdStart - signerBytes;
  return {
    idType: idName,
    signer: Buffer.from(image.subarray(signerStart, keyIdStart)).toString('utf8'),
    keyId: image.subarray(keyIdStart, signatureStart),
    hashAlgorithm: hashName,
    signature: image.subarray(signatureStart, end),
    signedBytes: signerStart,
  };
}

function readPkcs7(message: Uint8Array, signedBytes: number): ModuleSignature | undefined {
  const { schema: { AsnConvert }, cms: { ContentInfo, SignedData } } = asn1();
  let signed: SignedData;
  try {
    const content = AsnConvert.parse(message, ContentInfo);
    signed = AsnConvert.parse(content.content, SignedData);
  } catch {
    // A message the ASN.1 parser cannot read is a signature kmod cannot read either.
    return undefined;
  }
  const signerInfo = signed.signerInfos[0];
  const issuerAndSerial = signerInfo?.sid.issuerAndSerialNumber;
  if (signerInfo === undefined || issuerAndSerial === undefined) return undefined;
  const hashAlgorithm = HASH_BY_OID[signerInfo.digestAlgorithm.algorithm];
  if (hashAlgorithm === undefined) return undefined;
  return {
    idType: 'PKCS#7',
    signer: commonName(issuerAndSerial.issuer),
    keyId: withoutLeadingZeros(new Uint8Array(issuerAndSerial.serialNumber)),
    hashAlgorithm,
    signature: new Uint8Array(signerInfo.signature.buffer),
    signedBytes,
  };
}
