import { readCertificate, type KernelCertificate } from '../signing/certificate.js';

// DER certificates in a block of bytes. A kernel's built-in certificates are one blob in its
// read-only data (certs/system_certificates.S includes them back to back), but a stripped
// vmlinux has no symbols to find it by, so every place that is shaped like a certificate is
// tried: SEQUENCE { SEQUENCE tbsCertificate, SEQUENCE signatureAlgorithm, BIT STRING }, each
// with a two-byte long-form length (a certificate is 256 bytes to 64 KiB), the three parts
// filling the outer SEQUENCE exactly. Only what passes that shape test is handed to
// node:crypto, so the scan costs one pass over the bytes, and the certificate parser runs a
// handful of times.

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const LENGTH_TWO_BYTES = 0x82;
const MIN_CERTIFICATE_BYTES = 256;

/** Every distinct certificate in the bytes, in the order found. */
export function scanCertificates(data: Uint8Array, file: string): KernelCertificate[] {
  const found: KernelCertificate[] = [];
  const seen = new Set<string>();
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const opener = Buffer.from([SEQUENCE, LENGTH_TWO_BYTES]);
  for (let at = buffer.indexOf(opener); at !== -1; at = buffer.indexOf(opener, at + 1)) {
    const bytes = certificateShapeAt(buffer, at);
    if (bytes === undefined) continue;
    const certificate = readCertificate(buffer.subarray(at, at + bytes), file);
    if (!certificate.ok) continue;
    const fingerprint = certificate.value.x509.fingerprint256;
    if (!seen.has(fingerprint)) {
      seen.add(fingerprint);
      found.push(certificate.value);
    }
    // A certificate does not overlap the next one; skipping it saves re-reading its inside.
    at += bytes - 1;
  }
  return found;
}

/** The certificate's total size when the bytes at `at` are shaped like one, else undefined. */
function certificateShapeAt(data: Uint8Array, at: number): number | undefined {
  const outer = twoByteLength(data, at);
  if (outer === undefined || outer < MIN_CERTIFICATE_BYTES || at + 4 + outer > data.length) return undefined;
  const end = at + 4 + outer;
  const tbs = twoByteLength(data, at + 4);
  if (tbs === undefined) return undefined;
  const algorithm = at + 8 + tbs;
  if (algorithm + 2 > end || data[algorithm] !== SEQUENCE) return undefined;
  const algorithmBytes = data[algorithm + 1] ?? 0x80;
  // The AlgorithmIdentifier is short: an OID and parameters, under 128 bytes.
  if (algorithmBytes >= 0x80) return undefined;
  const signature = algorithm + 2 + algorithmBytes;
  if (data[signature] !== BIT_STRING) return undefined;
  const signatureBytes = derLength(data, signature + 1);
  if (signatureBytes === undefined || signature + 1 + signatureBytes.headerBytes + signatureBytes.length !== end) return undefined;
  return end - at;
}

function twoByteLength(data: Uint8Array, at: number): number | undefined {
  if (data[at] !== SEQUENCE || data[at + 1] !== LENGTH_TWO_BYTES) return undefined;
  return ((data[at + 2] ?? 0) << 8) | (data[at + 3] ?? 0);
}

/** A DER length: one byte under 0x80, else 0x81 or 0x82 and that many bytes. */
function derLength(data: Uint8Array, at: number): { length: number; headerBytes: number } | undefined {
  const first = data[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, headerBytes: 1 };
  if (first === 0x81) return { length: data[at + 1] ?? 0, headerBytes: 2 };
  if (first === 0x82) return { length: ((data[at + 1] ?? 0) << 8) | (data[at + 2] ?? 0), headerBytes: 3 };
  return undefined;
}
