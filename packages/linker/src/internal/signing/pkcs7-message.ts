import type { SignedData, SignerInfo } from '@peculiar/asn1-cms';
import { asn1 } from './asn1.js';
import { nameDer } from './certificate.js';
import { withoutLeadingZeros } from './names.js';

// The parts of a module's PKCS#7 message that its verification needs, read once into plain
// data: what the content is, and for each signer how it names its key, which algorithms it
// used, whether it signed attributes, and the signature itself.

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_DATA = '1.2.840.113549.1.7.1';

/** How a SignerInfo names the key that made it (RFC 5652 SignerIdentifier). */
export type SignerKey =
  | { readonly kind: 'issuer-serial'; readonly issuerDer: Uint8Array; readonly serialNumber: Uint8Array }
  | { readonly kind: 'subject-key-id'; readonly keyId: Uint8Array };

export interface Pkcs7Signer {
  readonly key: SignerKey;
  readonly digestOid: string;
  readonly signatureOid: string;
  readonly hasSignedAttributes: boolean;
  readonly signature: Uint8Array;
}

export interface Pkcs7Message {
  /** The encapsulated content's type: id-data for a module signature. */
  readonly contentType: string;
  /** Whether the content is inside the message; a module's signature is detached. */
  readonly hasContent: boolean;
  readonly signers: readonly Pkcs7Signer[];
}

/** The message, or a sentence saying why it is not a PKCS#7 SignedData with signers. */
export function readPkcs7Message(der: Uint8Array): Pkcs7Message | { readonly malformed: string } {
  const { schema: { AsnConvert }, cms: { ContentInfo, SignedData } } = asn1();
  let signed: SignedData;
  try {
    const info = AsnConvert.parse(der, ContentInfo);
    if (info.contentType !== OID_SIGNED_DATA) return { malformed: `content type ${info.contentType} is not signedData` };
    signed = AsnConvert.parse(info.content, SignedData);
  } catch (error) {
    return { malformed: `the PKCS#7 message does not parse (${(error as Error).message})` };
  }
  if (signed.signerInfos.length === 0) return { malformed: 'the PKCS#7 message has no signers' };
  const signers: Pkcs7Signer[] = [];
  for (const info of signed.signerInfos) {
    const key = signerKey(info);
    if (key === undefined) return { malformed: 'a PKCS#7 signer names its key neither by issuer and serial number nor by key identifier' };
    signers.push({
      key,
      digestOid: info.digestAlgorithm.algorithm,
      signatureOid: info.signatureAlgorithm.algorithm,
      hasSignedAttributes: info.signedAttrs !== undefined && info.signedAttrs.length > 0,
      signature: new Uint8Array(info.signature.buffer),
    });
  }
  const content = signed.encapContentInfo;
  return { contentType: content.eContentType, hasContent: content.eContent !== undefined, signers };
}

function signerKey(info: SignerInfo): SignerKey | undefined {
  const byIssuer = info.sid.issuerAndSerialNumber;
  if (byIssuer !== undefined) {
    return { kind: 'issuer-serial', issuerDer: nameDer(byIssuer.issuer), serialNumber: withoutLeadingZeros(new Uint8Array(byIssuer.serialNumber)) };
  }
  const byKeyId = info.sid.subjectKeyIdentifier;
  return byKeyId === undefined ? undefined : { kind: 'subject-key-id', keyId: new Uint8Array(byKeyId.buffer) };
}
