import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';

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
const TRAILER_BYTES = 12;
const ID_TYPES = ['PGP', 'X509', 'PKCS#7'] as const;
const PKEY_ALGO_COUNT = 2;
const HASH_NAMES = ['md4', 'md5', 'sha1', 'rmd160', 'sha256', 'sha384', 'sha512', 'sha224', 'sm3'] as const;

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.4': 'md4',
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '1.3.36.3.2.1': 'rmd160',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '1.2.156.10197.1.401': 'sm3',
};
const COMMON_NAME_OID = '2.5.4.3';

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

/** The issuer's common name; like kmod (OpenSSL), the last attribute when there is no CN. */
function commonName(issuer: Iterable<Iterable<{ type: string; value: { toString(): string } }>>): string {
  let last = '';
  for (const rdn of issuer) {
    for (const attribute of rdn) {
      last = attribute.value.toString();
      if (attribute.type === COMMON_NAME_OID) return last;
    }
  }
  return last;
}

/** The serial number as a big-endian magnitude, as OpenSSL's BN_bn2bin writes it. */
function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
