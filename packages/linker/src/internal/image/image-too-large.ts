// Decoders count the image's bytes as they go and stop at the limit, so that a small file that
// claims gigabytes is refused before the gigabytes are allocated.

/** A refusal to decode: the image would pass `maxBytes`; `countedBytes` is where counting stopped. */
export class ImageTooLarge extends RangeError {
  constructor(
    readonly maxBytes: number,
    readonly countedBytes: number,
  ) {
    super(`decompressed image exceeds ${maxBytes} bytes (refused after counting ${countedBytes})`);
    this.name = 'ImageTooLarge';
  }
}
