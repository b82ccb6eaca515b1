import { crc32 } from 'node:zlib';

/** CRC-32 of bytes (a text's UTF-8 bytes) as eight hex digits: enough to catch a torn or edited record. */
export function checksumOf(text: string | Uint8Array): string {
  return crc32(text).toString(16).padStart(8, '0');
}
