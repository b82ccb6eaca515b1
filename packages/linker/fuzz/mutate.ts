// Seeded mutations of real objects for the fuzz tests and the fuzz campaign: truncation, random
// bytes, section table fields, absurd 32-bit values anywhere, a header field of the ELF or of a
// compressed frame, a duplicated section header table entry count, and every section or symbol
// name retargeted at one string made as long as its table. The same seed and round
// always give the same input, so a failure is reproduced from two numbers.

/** mulberry32: small, seeded, the same sequence everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator for one round of a campaign: independent of every other round. */
export function roundRandom(seed: number, round: number): () => number {
  return prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(round + 1, 0xc2b2ae35));
}

const ABSURD = (length: number): number[] => [0, 0xffffffff, 0x7fffffff, 0x10000, length, 0xff00, 0x20000000];

export function mutate(source: Uint8Array, random: () => number): Uint8Array {
  const bytes = new Uint8Array(source);
  const header = new DataView(bytes.buffer);
  const pick = (n: number): number => Math.floor(random() * n);
  switch (pick(7)) {
    case 0:
      return bytes.subarray(0, pick(bytes.length));
    case 1:
      for (let i = 0; i < 1 + random() * 8; i++) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    case 2: {
      // A field of the section table (or, for a compressed file, anywhere past its header).
      const shoff = bytes.length >= 48 ? Number(header.getBigUint64(40, true)) : 0;
      const from = shoff > 0 && shoff < bytes.length ? shoff : 0;
      const at = from + pick((bytes.length - from) / 4) * 4;
      if (at + 4 <= bytes.length) header.setUint32(at, pick(2 ** 32), true);
      return bytes;
    }
    case 3: {
      // The first 64 bytes: the ELF header, or a frame or stream header and its first block.
      const at = pick(Math.min(60, Math.max(bytes.length - 4, 1)));
      if (at + 4 <= bytes.length) header.setUint32(at, ABSURD(bytes.length)[pick(7)] ?? 0, true);
      return bytes;
    }
    case 4: {
      // e_shnum or e_shentsize: more (or fewer) section headers than the table holds.
      if (bytes.length >= 64) header.setUint16(pick(2) === 0 ? 60 : 58, pick(0x10000), true);
      return bytes;
    }
    case 5:
      return oneLongName(bytes, header, pick(2) === 0 ? 'sections' : 'symbols');
    default: {
      const at = pick(Math.max(bytes.length - 8, 1));
      if (at + 4 <= bytes.length) header.setUint32(at, ABSURD(bytes.length)[pick(7)] ?? 0, true);
      return bytes;
    }
  }
}

/**
 * Every section header's sh_name (or every symbol's st_name) pointed at offset 1 of its string
 * table, whose bytes up to the last are made one long name: each name then costs the whole table,
 * as in a crafted file whose thousands of names share one string (MAX_NAME_BYTES).
 */
function oneLongName(bytes: Uint8Array, header: DataView, what: 'sections' | 'symbols'): Uint8Array {
  if (bytes.length < 64 || header.getUint32(0, true) !== 0x464c457f) return bytes;
  const shoff = Number(header.getBigUint64(40, true));
  const count = header.getUint16(60, true);
  if (shoff + count * 64 > bytes.length) return bytes;
  const field = (index: number, at: number): number => Number(header.getBigUint64(shoff + index * 64 + at, true));
  const symtab = Array.from({ length: count }, (_, i) => i).find((i) => header.getUint32(shoff + i * 64 + 4, true) === 2);
  const strings = what === 'sections' ? header.getUint16(62, true) : symtab === undefined ? undefined : header.getUint32(shoff + symtab * 64 + 40, true);
  if (strings === undefined || strings >= count) return bytes;
  const [offset, size] = [field(strings, 24), field(strings, 32)];
  if (size < 3 || offset + size > bytes.length) return bytes;
  bytes.fill(0x61, offset + 1, offset + size - 1);
  bytes[offset + size - 1] = 0;
  if (what === 'sections') {
    for (let i = 1; i < count; i++) header.setUint32(shoff + i * 64, 1, true);
  } else if (symtab !== undefined) {
    const [at, end] = [field(symtab, 24), Math.min(bytes.length, field(symtab, 24) + field(symtab, 32))];
    for (let entry = at + 24; entry + 24 <= end; entry += 24) header.setUint32(entry, 1, true);
  }
  return bytes;
}
