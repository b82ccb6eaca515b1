// CRC-32 (IEEE 802.3, the polynomial zlib and PNG use), for snapshots' checksums: written out
// here because the machine runs wherever JavaScript does and depends on nothing.

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  // An indexed loop: iterating the array is several times slower on a snapshot's megabyte.
  let crc = 0xffffffff;
  const table = TABLE;
  for (let index = 0, length = bytes.length; index < length; index++) crc = (table[(crc ^ (bytes[index] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
