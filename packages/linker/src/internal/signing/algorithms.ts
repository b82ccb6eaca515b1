// The algorithms a module signature can name, by object identifier, with the names the kernel's
// PKCS#7 parser gives them (crypto/asymmetric_keys/pkcs7_parser.c); node:crypto knows the
// digests by the same names. An identifier missing here is one the 6.1 kernel refuses as
// unsupported (ENOPKG).

export const HASH_BY_OID: Readonly<Record<string, string>> = {
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

export type PublicKeyFamily = 'rsa' | 'ecdsa';

/** The signature algorithms of a PKCS#7 SignerInfo, by the key type that makes them. */
export const PKEY_BY_OID: Readonly<Record<string, PublicKeyFamily>> = {
  '1.2.840.113549.1.1.1': 'rsa', // rsaEncryption
  '1.2.840.113549.1.1.4': 'rsa', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'rsa', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'rsa', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'rsa', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13': 'rsa', // sha512WithRSAEncryption
  '1.2.840.113549.1.1.14': 'rsa', // sha224WithRSAEncryption
  '1.2.840.10045.4.1': 'ecdsa', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'ecdsa', // ecdsa-with-SHA224
  '1.2.840.10045.4.3.2': 'ecdsa', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'ecdsa', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': 'ecdsa', // ecdsa-with-SHA512
};

/** node:crypto's key types for each family. */
export const KEY_TYPES_OF: Readonly<Record<PublicKeyFamily, readonly string[]>> = {
  rsa: ['rsa'],
  ecdsa: ['ec'],
};
