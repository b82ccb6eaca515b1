import { createRequire } from 'node:module';
import type * as Fzstd from 'fzstd';
import type * as Lzma from '@napi-rs/lzma';

// The decompressors, loaded the first time a zstd module or a compressed kernel image is read:
// one is a native addon, and most modules a tool reads are not compressed, so insmod should not
// pay for loading them. Loaded through require, which is synchronous like the linker's entry
// points. (xz modules are read by kmodsim's own decoder, xz-decode.ts.)

const loadCommonJs = createRequire(import.meta.url);
let lzma: typeof Lzma | undefined;
let fzstd: typeof Fzstd | undefined;

export function lzmaCodecs(): typeof Lzma {
  lzma ??= loadCommonJs('@napi-rs/lzma') as typeof Lzma;
  return lzma;
}

export function zstdCodec(): typeof Fzstd {
  fzstd ??= loadCommonJs('fzstd') as typeof Fzstd;
  return fzstd;
}
