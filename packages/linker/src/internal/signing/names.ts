// How X.509 names and serial numbers are shown and compared, shared by the module signature
// reader and the certificate reader so that a signer and a certificate come out alike.

const COMMON_NAME_OID = '2.5.4.3';

/** The common name; like kmod (OpenSSL), the last attribute when there is no CN. */
export function commonName(name: Iterable<Iterable<{ type: string; value: { toString(): string } }>>): string {
  let last = '';
  for (const rdn of name) {
    for (const attribute of rdn) {
      last = attribute.value.toString();
      if (attribute.type === COMMON_NAME_OID) return last;
    }
  }
  return last;
}

/** A serial number as a big-endian magnitude, as OpenSSL's BN_bn2bin writes it. */
export function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
