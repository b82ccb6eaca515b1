// kmod's depmod writes some files in the iteration order of its own hash table
// (shared/hash.c): buckets in index order, each bucket's keys in strcmp order, the bucket chosen
// by Paul Hsieh's SuperFastHash of the key. To write the same bytes we order keys the same way.

/** SuperFastHash over the key's bytes, with C's signed char where kmod reads single bytes. */
export function superFastHash(key: Uint8Array): number {
  return superFastHashLatin1(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'));
}

/** Two bytes little-endian, and one byte as C's signed char, from a latin1 string. */
const u16 = (key: string, i: number): number => key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8);
const signedByte = (key: string, i: number): number => (key.charCodeAt(i) << 24) >> 24;

/** SuperFastHash over a latin1 string, whose code units are the bytes: no byte copy is made. */
export function superFastHashLatin1(key: string): number {
  let hash = key.length >>> 0;
  const rem = key.length & 3;
  let at = 0;
  for (let blocks = key.length >>> 2; blocks > 0; blocks--) {
    hash = (hash + u16(key, at)) >>> 0;
    const tmp = ((u16(key, at + 2) << 11) ^ hash) >>> 0;
    hash = ((hash << 16) ^ tmp) >>> 0;
    at += 4;
    hash = (hash + (hash >>> 11)) >>> 0;
  }
  switch (rem) {
    case 3:
      hash = (hash + u16(key, at)) >>> 0;
      hash = (hash ^ (hash << 16)) >>> 0;
      hash = (hash ^ (signedByte(key, at + 2) << 18)) >>> 0;
      hash = (hash + (hash >>> 11)) >>> 0;
      break;
    case 2:
      hash = (hash + u16(key, at)) >>> 0;
      hash = (hash ^ (hash << 11)) >>> 0;
      hash = (hash + (hash >>> 17)) >>> 0;
      break;
    case 1:
      hash = (hash + signedByte(key, at)) >>> 0;
      hash = (hash ^ (hash << 10)) >>> 0;
      hash = (hash + (hash >>> 1)) >>> 0;
      break;
  }
  hash = (hash ^ (hash << 3)) >>> 0;
  hash = (hash + (hash >>> 5)) >>> 0;
  hash = (hash ^ (hash << 4)) >>> 0;
  hash = (hash + (hash >>> 17)) >>> 0;
  hash = (hash ^ (hash << 25)) >>> 0;
  hash = (hash + (hash >>> 6)) >>> 0;
  return hash;
}

/** strcmp over latin1 strings: code units are the bytes. */
export const compareBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The keys in the order kmod's hash_iter visits them in a table of `bucketCount` buckets. */
export function kmodHashOrder(keys: Iterable<string>, bucketCount: number): string[] {
  const buckets: string[][] = Array.from({ length: bucketCount }, () => []);
  for (const key of keys) buckets[superFastHashLatin1(key) & (bucketCount - 1)]?.push(key);
  return buckets.flatMap((bucket) => bucket.sort(compareBytes));
}
