// The x86 branch/call/jump filter of the xz format (filter ID 0x04). The kernel's xz_wrap.sh
// compresses vmlinux with it in front of LZMA2: before compression the filter turned the
// relative targets of CALL (E8) and JMP (E9) instructions into absolute addresses, which repeat
// more and so compress better. The xz decoder restores each such block here, in place, once its
// LZMA2 layer is decoded, as the kernel's own decompressor (lib/xz/xz_dec_bcj.c) restores it. A
// candidate is an E8 or E9 byte whose operand's top byte is 0x00 or 0xFF; a three-bit history
// of the candidates just before it decides whether the encoder converted it, so the decoder
// must make exactly the same choices in the same order.

/** Whether a history allows a conversion, by history value. */
const ALLOWED_BY_HISTORY = [true, true, true, false, true, false, false, false] as const;
/** Which operand byte decides, by history value. */
const BYTE_BY_HISTORY = [0, 1, 2, 2, 3, 3, 3, 3] as const;

const isOperandTop = (byte: number): boolean => byte === 0x00 || byte === 0xff;

/**
 * Undoes the filter over a whole block's output, which starts at stream position `startOffset`
 * (0 unless the filter's properties say otherwise). The last four bytes can hold no complete
 * operand and are left as they are, as the encoder left them.
 */
export function unfilterX86(buffer: Uint8Array, startOffset = 0): void {
  let history = 0;
  // Where the previous candidate was; "one before the start" makes the first one look far away.
  let previous = -1;
  const end = buffer.length - 4;
  for (let at = 0; at < end; at++) {
    if (((buffer[at] ?? 0) & 0xfe) !== 0xe8) continue;
    const distance = at - previous;
    previous = at;
    if (distance > 3) history = 0;
    else {
      history = (history << (distance - 1)) & 7;
      if (history !== 0 && (ALLOWED_BY_HISTORY[history] !== true || isOperandTop(buffer[at + 4 - (BYTE_BY_HISTORY[history] ?? 0)] ?? 0))) {
        history = (history << 1) | 1;
        continue;
      }
    }
    if (!isOperandTop(buffer[at + 4] ?? 0)) {
      history = (history << 1) | 1;
      continue;
    }
    const target = relativeTarget(buffer, at, startOffset + at + 5, history);
    // The top byte becomes 0x00 or 0xFF again, from bit 24: the operand sign-extended.
    buffer[at + 1] = target & 0xff;
    buffer[at + 2] = (target >>> 8) & 0xff;
    buffer[at + 3] = (target >>> 16) & 0xff;
    buffer[at + 4] = (target & 0x01000000) === 0 ? 0x00 : 0xff;
    at += 4;
  }
}

/** The operand as it was before encoding: the absolute target minus the address after the instruction. */
function relativeTarget(buffer: Uint8Array, at: number, nextAddress: number, history: number): number {
  let source = ((buffer[at + 1] ?? 0) | ((buffer[at + 2] ?? 0) << 8) | ((buffer[at + 3] ?? 0) << 16) | ((buffer[at + 4] ?? 0) << 24)) >>> 0;
  for (;;) {
    const target = (source - nextAddress) >>> 0;
    if (history === 0) return target;
    const shift = BYTE_BY_HISTORY[history] ?? 0;
    if (!isOperandTop((target >>> (24 - shift * 8)) & 0xff)) return target;
    source = (target ^ (2 ** (32 - shift * 8) - 1)) >>> 0;
  }
}
