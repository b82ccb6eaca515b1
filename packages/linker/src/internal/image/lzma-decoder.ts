// The LZMA decoder inside LZMA2, written for kmodsim from the format's description (the LZMA
// specification in the LZMA SDK, and the xz file format). It decodes straight into the image:
// the whole output is kept, so the output is also the dictionary, and a block costs no memory
// beside the image but these few kilobytes of probabilities. The native decoder this replaces
// handed back a copy of each stream, which put the peak at twice the image.
//
// A range decoder reads the compressed bits; each bit is decoded against an adaptive 11-bit
// probability. The probabilities live in one Uint16Array, laid out below.

const STATES = 12;
/** pb is at most 4, so at most 16 position states. */
const POS_STATES = 16;
const LEN_LOW = 2;
const LEN_MID = LEN_LOW + POS_STATES * 8;
const LEN_HIGH = LEN_MID + POS_STATES * 8;
const LEN_PROBS = LEN_HIGH + 256;

const IS_MATCH = 0;
const IS_REP = IS_MATCH + STATES * POS_STATES;
const IS_REP_G0 = IS_REP + STATES;
const IS_REP_G1 = IS_REP_G0 + STATES;
const IS_REP_G2 = IS_REP_G1 + STATES;
const IS_REP0_LONG = IS_REP_G2 + STATES;
const DIST_SLOT = IS_REP0_LONG + STATES * POS_STATES;
/** Distances from slot 4 to 13 have their low bits modelled: 114 probabilities in all. */
const DIST_SPECIAL = DIST_SLOT + 4 * 64;
const DIST_ALIGN = DIST_SPECIAL + 114;
const MATCH_LEN = DIST_ALIGN + 16;
const REP_LEN = MATCH_LEN + LEN_PROBS;
const LITERAL = REP_LEN + LEN_PROBS;
/** 0x300 probabilities per literal context; LZMA2 allows lc + lp <= 4, so 16 contexts at most. */
const PROBS = LITERAL + 0x300 * 16;

const PROB_INIT = 1024;
const TOP = 0x1000000;
/** The first state after which a literal is decoded against the byte at the last distance. */
const FIRST_MATCH_STATE = 7;
/** Shorter matches are copied a byte at a time; a call to copyWithin costs more than that. */
const SHORT_MATCH = 32;

export class LzmaCorrupt extends Error {
  constructor(message: string) {
    super(`corrupt LZMA2 data: ${message}`);
    this.name = 'LzmaCorrupt';
  }
}

/** Decodes LZMA chunks into each block's output, which is the whole of it and so the dictionary. */
export class LzmaDecoder {
  private readonly probs = new Uint16Array(PROBS);
  /**
   * A state reset sets every probability back to one half, but a chunk may reset the state and
   * hold a single byte, so resetting all 14,000 each time would let a small hostile file cost
   * seconds (13 MB of one-byte chunks: 2.4 s). The 16 literal tables, 12,288 of them, are reset
   * when a literal first uses one after the reset instead: `literalResets` counts resets, and
   * `literalSeen[context]` the last one each table was reset for.
   */
  private literalResets = 0;
  private readonly literalSeen = new Int32Array(16).fill(-1);
  private input: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private range = 0;
  private code = 0;
  private lc = 0;
  private literalPosMask = 0;
  private posMask = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Where the next byte goes. */
  pos = 0;
  /** Where the dictionary was last reset: no distance reaches before it. */
  private dictStart = 0;

  private out: Uint8Array = new Uint8Array(0);
  /** The dictionary size the block header declares: no distance may reach further, as in the kernel's decoder. */
  private dictBytes = 0;

  /**
   * The next block decodes into `out`. One decoder serves every block of a file: a block may hold
   * a single byte, and 200,000 such blocks each with decoders of their own took 5 s (allocating).
   */
  startBlock(out: Uint8Array, dictBytes: number): void {
    this.out = out;
    this.dictBytes = dictBytes;
    this.pos = 0;
    this.dictStart = 0;
  }

  resetDictionary(): void {
    this.dictStart = this.pos;
  }

  /** lc, lp and pb from an LZMA2 properties byte, then a state reset, as a properties change implies. */
  setProperties(byte: number): void {
    const lc = byte % 9;
    const lp = Math.floor(byte / 9) % 5;
    const pb = Math.floor(byte / 45);
    if (pb > 4 || lc + lp > 4) throw new LzmaCorrupt(`invalid properties byte 0x${byte.toString(16)}`);
    this.lc = lc;
    this.literalPosMask = (1 << lp) - 1;
    this.posMask = (1 << pb) - 1;
    this.resetState();
  }

  resetState(): void {
    this.probs.fill(PROB_INIT, 0, LITERAL);
    this.literalResets++;
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  /** An uncompressed chunk: its bytes are output and dictionary alike. */
  copyUncompressed(data: Uint8Array, start: number, bytes: number): void {
    if (bytes > this.out.length - this.pos) throw new LzmaCorrupt('an uncompressed chunk runs past the end of its block');
    if (start + bytes > data.length) throw new LzmaCorrupt('an uncompressed chunk ends past the end of the data');
    this.out.set(data.subarray(start, start + bytes), this.pos);
    this.pos += bytes;
  }

  /**
   * One LZMA chunk of `packedBytes` at `start` that must decode to exactly `unpackedBytes`. Each
   * chunk starts its range decoder afresh and must use up exactly its packed bytes, ending with
   * the decoder's code at zero, as the encoder's flush leaves it.
   */
  decodeChunk(data: Uint8Array, start: number, packedBytes: number, unpackedBytes: number): void {
    const end = this.pos + unpackedBytes;
    if (end > this.out.length) throw new LzmaCorrupt('a chunk decodes past the end of its block');
    if (packedBytes < 5 || data[start] !== 0) throw new LzmaCorrupt(`a chunk at offset ${start} does not start its range decoder`);
    this.input = data;
    this.code = ((data[start + 1] ?? 0) * TOP) + ((data[start + 2] ?? 0) << 16) + ((data[start + 3] ?? 0) << 8) + (data[start + 4] ?? 0);
    this.range = 0xffffffff;
    this.inPos = start + 5;
    while (this.pos < end) this.step(end);
    // Bytes past the chunk read as the next chunk's (or nothing): caught here, after at most one chunk.
    if (this.inPos !== start + packedBytes || this.code !== 0) throw new LzmaCorrupt(`the chunk at offset ${start} does not end where its header says`);
  }

  /** One literal or match. */
  private step(end: number): void {
    const posState = (this.pos - this.dictStart) & this.posMask;
    const state = this.state;
    if (this.bit(IS_MATCH + state * POS_STATES + posState) === 0) {
      this.literal();
      return;
    }
    const len = this.bit(IS_REP + state) === 0 ? this.match(posState) : this.repMatch(posState);
    this.copyMatch(len, end);
  }

  private literal(): void {
    const out = this.out;
    const pos = this.pos;
    const state = this.state;
    const previous = pos > this.dictStart ? (out[pos - 1] ?? 0) : 0;
    const context = (((pos - this.dictStart) & this.literalPosMask) << this.lc) + (previous >> (8 - this.lc));
    const base = LITERAL + 0x300 * context;
    if (this.literalSeen[context] !== this.literalResets) {
      this.probs.fill(PROB_INIT, base, base + 0x300);
      this.literalSeen[context] = this.literalResets;
    }
    let symbol = 1;
    if (state < FIRST_MATCH_STATE) {
      while (symbol < 0x100) symbol = (symbol << 1) | this.bit(base + symbol);
    } else {
      // After a match the byte at the last distance predicts this one, bit by bit, until they differ.
      let matchByte = out[pos - this.rep0 - 1] ?? 0;
      let offset = 0x100;
      while (symbol < 0x100) {
        matchByte <<= 1;
        const matchBit = matchByte & offset;
        const bit = this.bit(base + offset + matchBit + symbol);
        symbol = (symbol << 1) | bit;
        offset = bit === 1 ? matchBit : offset & ~matchBit;
      }
    }
    out[pos] = symbol & 0xff;
    this.pos = pos + 1;
    this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
  }

  /** A match with a new distance: the length, then the distance (which depends on it). */
  private match(posState: number): number {
    this.rep3 = this.rep2;
    this.rep2 = this.rep1;
    this.rep1 = this.rep0;
    const len = this.length(MATCH_LEN, posState);
    this.state = this.state < FIRST_MATCH_STATE ? 7 : 10;
    this.rep0 = this.distance(len);
    return len;
  }

  /** A match at one of the last four distances; 1 for a short rep (one byte at the last distance). */
  private repMatch(posState: number): number {
    const state = this.state;
    if (this.bit(IS_REP_G0 + state) === 0) {
      if (this.bit(IS_REP0_LONG + state * POS_STATES + posState) === 0) {
        this.state = state < FIRST_MATCH_STATE ? 9 : 11;
        return 1;
      }
    } else {
      let distance: number;
      if (this.bit(IS_REP_G1 + state) === 0) {
        distance = this.rep1;
      } else {
        if (this.bit(IS_REP_G2 + state) === 0) {
          distance = this.rep2;
        } else {
          distance = this.rep3;
          this.rep3 = this.rep2;
        }
        this.rep2 = this.rep1;
      }
      this.rep1 = this.rep0;
      this.rep0 = distance;
    }
    this.state = state < FIRST_MATCH_STATE ? 8 : 11;
    return this.length(REP_LEN, posState);
  }

  private length(base: number, posState: number): number {
    if (this.bit(base) === 0) return 2 + this.bitTree(base + LEN_LOW + posState * 8, 3);
    if (this.bit(base + 1) === 0) return 10 + this.bitTree(base + LEN_MID + posState * 8, 3);
    return 18 + this.bitTree(base + LEN_HIGH, 8);
  }

  /** The distance less one, as LZMA codes it: a slot, then its low bits modelled, direct, or aligned. */
  private distance(len: number): number {
    const slot = this.bitTree(DIST_SLOT + (len < 5 ? len - 2 : 3) * 64, 6);
    if (slot < 4) return slot;
    const extraBits = (slot >>> 1) - 1;
    // Up to 3 * 2^30, past int32, so multiplied rather than shifted (1 << 30 is the largest factor).
    const base = (2 | (slot & 1)) * (1 << extraBits);
    if (slot < 14) return base + this.reverseBitTree(DIST_SPECIAL + base - slot - 1, extraBits);
    return base + this.directBits(extraBits - 4) * 16 + this.reverseBitTree(DIST_ALIGN, 4);
  }

  /** Copies a match from the dictionary; a distance before the dictionary or a length past the chunk is corrupt data. */
  private copyMatch(len: number, end: number): void {
    const distance = this.rep0;
    const pos = this.pos;
    if (distance >= pos - this.dictStart || distance >= this.dictBytes) throw new LzmaCorrupt(`a match at output offset ${pos} reaches before the dictionary`);
    if (len > end - pos) throw new LzmaCorrupt(`a match at output offset ${pos} runs past the end of its chunk`);
    const out = this.out;
    const from = pos - distance - 1;
    if (len <= SHORT_MATCH) {
      for (let i = 0; i < len; i++) out[pos + i] = out[from + i] ?? 0;
    } else if (distance === 0) {
      out.fill(out[from] ?? 0, pos, pos + len);
    } else {
      // An overlapping match repeats its first distance + 1 bytes: copied from a whole number of
      // periods back, so that each copy doubles what the next may take.
      const period = distance + 1;
      let done = 0;
      while (done < len) {
        const back = Math.floor((done + period) / period) * period;
        const bytes = Math.min(back, len - done);
        out.copyWithin(pos + done, pos + done - back, pos + done - back + bytes);
        done += bytes;
      }
    }
    this.pos = pos + len;
  }

  /** One bit against probability `index`, which then moves towards what was seen. */
  private bit(index: number): number {
    const probs = this.probs;
    const p = probs[index] ?? 0;
    const bound = (this.range >>> 11) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = p + ((2048 - p) >>> 5);
      bit = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[index] = p - (p >>> 5);
      bit = 1;
    }
    if (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + (this.input[this.inPos++] ?? 0);
    }
    return bit;
  }

  /** `count` bits, most significant first, each against its node in a tree of probabilities. */
  private bitTree(base: number, count: number): number {
    let symbol = 1;
    for (let i = 0; i < count; i++) symbol = (symbol << 1) | this.bit(base + symbol);
    return symbol - (1 << count);
  }

  /** The same, least significant bit first. */
  private reverseBitTree(base: number, count: number): number {
    let symbol = 1;
    let value = 0;
    for (let i = 0; i < count; i++) {
      const bit = this.bit(base + symbol);
      symbol = (symbol << 1) | bit;
      value |= bit << i;
    }
    return value;
  }

  /** Bits of probability one half, without a model. */
  private directBits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      value = value * 2 + bit;
      if (this.range < TOP) {
        this.range *= 256;
        this.code = this.code * 256 + (this.input[this.inPos++] ?? 0);
      }
    }
    return value;
  }
}
