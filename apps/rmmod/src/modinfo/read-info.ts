import { readFileSync } from 'node:fs';
import { strerror } from '@kmodsim/cpu';
import { compressionOf, decompress, parseModinfo, readElf, readSignature, type ModinfoEntry } from '@kmodsim/linker';
import { infoList } from './format.js';

// Reads the info list of one module file, with the errno kmod would report when it cannot:
// ENOENT for a missing file or a missing .modinfo section, ENOEXEC for something that is not ELF
// at all, EINVAL for an ELF kmod's reader rejects or a file too short to hold a format's magic.

export type InfoOutcome = { readonly ok: true; readonly list: ModinfoEntry[] } | { readonly ok: false; readonly strerror: string };

const LONGEST_MAGIC_BYTES = 6;

export function readInfo(path: string): InfoOutcome {
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch {
    return { ok: false, strerror: strerror('ENOENT') };
  }
  // libkmod reads the longest compression magic (xz's six bytes) first: a shorter file fails there.
  if (data.length < LONGEST_MAGIC_BYTES) return { ok: false, strerror: strerror('EINVAL') };
  let image: Uint8Array;
  try {
    image = decompress(data, compressionOf(data));
  } catch {
    return { ok: false, strerror: strerror('ENOEXEC') };
  }
  if (image.length <= 16 || Buffer.from(image.subarray(0, 4)).toString('latin1') !== '\x7fELF') return { ok: false, strerror: strerror('ENOEXEC') };
  const modinfo = readElf(path, image, (elf) => {
    const section = elf.section('.modinfo');
    return section === undefined ? undefined : parseModinfo(elf.contents(section));
  });
  if (!modinfo.ok) return { ok: false, strerror: strerror('EINVAL') };
  if (modinfo.value === undefined) return { ok: false, strerror: strerror('ENOENT') };
  return { ok: true, list: infoList(modinfo.value, readSignature(image)) };
}
