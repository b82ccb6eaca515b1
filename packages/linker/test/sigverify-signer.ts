import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from '@peculiar/asn1-cms';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  id_ce_subjectKeyIdentifier,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

// A signing key of the test's own: an RSA key, a self-signed X.509 certificate for it, and a
// module signature made with it the way scripts/sign-file makes one (a detached PKCS#7
// SignedData over the whole module, no certificates, no signed attributes, the signer named by
// issuer and serial number, then struct module_signature and the marker). Built with node:crypto
// and the ASN.1 schemas the linker reads signatures with; the openssl test checks the verifier
// against signatures made by OpenSSL itself, so these are not only checked against themselves.

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentTypeAttribute: '1.2.840.113549.1.9.3',
} as const;
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;
/** The DER of the id-data object identifier: the value of a contentType attribute. */
const DER_ID_DATA = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]).buffer;
const MARKER = Buffer.from('~Module signature appended~\n');

export interface TestKey {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly serialNumber: Uint8Array;
  /** The self-signed certificate, DER. */
  readonly certificate: Uint8Array;
}

export function makeTestKey(name: string, serialNumber: Uint8Array): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const subject = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID.commonName, value: new AttributeValue({ utf8String: name }) })])]);
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const keyId = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber.slice().buffer,
    signature: new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: DER_NULL }),
    issuer: subject,
    validity: new Validity({ notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2124-01-01T00:00:00Z') }),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([new Extension({ extnID: id_ce_subjectKeyIdentifier, critical: false, extnValue: new OctetString(AsnConvert.serialize(new SubjectKeyIdentifier(keyId))) })]),
  });
  const signature = sign('sha256', new Uint8Array(AsnConvert.serialize(tbs)), privateKey);
  const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: DER_NULL }), signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.length) });
  return { name, privateKey, serialNumber, certificate: new Uint8Array(AsnConvert.serialize(certificate)) };
}

/** The module with a signature by `key` appended; `signedAttributes` adds a contentType attribute, which sign-file never does. */
export function signModule(module: Uint8Array, key: TestKey, options: { signedAttributes?: boolean } = {}): Uint8Array {
  const certificate = AsnConvert.parse(key.certificate, Certificate);
  const sha256 = new DigestAlgorithmIdentifier({ algorithm: OID.sha256, parameters: DER_NULL });
  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: certificate.tbsCertificate.issuer, serialNumber: certificate.tbsCertificate.serialNumber }) }),
    digestAlgorithm: sha256,
    signatureAlgorithm: new SignatureAlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: DER_NULL }),
    signature: new OctetString(sign('sha256', module, key.privateKey)),
    ...(options.signedAttributes === true ? { signedAttrs: [new Attribute({ attrType: OID.contentTypeAttribute, attrValues: [DER_ID_DATA] })] } : {}),
  });
  const signedData = new SignedData({
    version: CMSVersion.v1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha256]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const message = new Uint8Array(AsnConvert.serialize(new ContentInfo({ contentType: OID.signedData, content: AsnConvert.serialize(signedData) })));
  return appendSignature(module, message);
}

/** The module, the PKCS#7 message, struct module_signature (id_type 2, big-endian sig_len) and the marker. */
export function appendSignature(module: Uint8Array, message: Uint8Array): Uint8Array {
  const trailer = Buffer.alloc(12);
  trailer[2] = 2;
  trailer.writeUInt32BE(message.length, 8);
  return Buffer.concat([module, message, trailer, MARKER]);
}

/** The bytes with one bit of `at` flipped: a change the signature must catch. */
export function flipped(bytes: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}
