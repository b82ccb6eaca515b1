import { crc32 } from 'node:zlib';

/** CRC-32 of a text's UTF-8 bytes as eight hex digits: enough to catch a torn or edited record. */
export function checksumOf(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}
