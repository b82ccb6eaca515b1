// Seeded mutations of real objects for the fuzz tests: truncation, random bytes, section table
// fields, and absurd 32-bit values anywhere.

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

export function mutate(source: Uint8Array, random: () => number): Uint8Array {
  const bytes = new Uint8Array(source);
  const header = new DataView(bytes.buffer);
  switch (Math.floor(random() * 4)) {
    case 0:
      return bytes.subarray(0, Math.floor(random() * bytes.length));
    case 1:
      for (let i = 0; i < 1 + random() * 8; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return bytes;
    case 2: {
      // A field of the section table: offsets, sizes, links, indices.
      const shoff = Number(header.getBigUint64(40, true));
      const at = shoff + Math.floor(random() * ((bytes.length - shoff) / 4)) * 4;
      if (at + 4 <= bytes.length) header.setUint32(at, Math.floor(random() * 2 ** 32), true);
      return bytes;
    }
    default: {
      const at = Math.floor(random() * (bytes.length - 8));
      header.setUint32(at, [0, 0xffffffff, 0x7fffffff, 0x10000, bytes.length][Math.floor(random() * 5)] ?? 0, true);
      return bytes;
    }
  }
}
