import { readFileSync } from 'node:fs';
import { fail, ok, strerror, type Errno, type Result } from '@kmodsim/cpu';
import { compressionOf, decompress, parseModinfo, readElf, readSignature, type ModinfoEntry } from '@kmodsim/linker';
import { infoList } from './format.js';

// Reads the info list of one module file, with the errno kmod would report when it cannot:
// ENOENT for a missing file or a missing .modinfo section, ENOEXEC for something that is not ELF
// at all, EINVAL for an ELF kmod's reader rejects or a file too short to hold a format's magic.

const LONGEST_MAGIC_BYTES = 6;

export function readInfo(path: string): Result<ModinfoEntry[]> {
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch {
    return failed('ENOENT');
  }
  // libkmod reads the longest compression magic (xz's six bytes) first: a shorter file fails there.
  if (data.length < LONGEST_MAGIC_BYTES) return failed('EINVAL');
  let image: Uint8Array;
  try {
    image = decompress(data, compressionOf(data));
  } catch {
    return failed('ENOEXEC');
  }
  if (image.length <= 16 || Buffer.from(image.subarray(0, 4)).toString('latin1') !== '\x7fELF') return failed('ENOEXEC');
  const modinfo = readElf(path, image, (elf) => {
    const section = elf.section('.modinfo');
    return section === undefined ? undefined : parseModinfo(elf.contents(section));
  });
  // ENOMEM: names past the linker's limit (MAX_NAME_BYTES), which kmod would not have copied.
  if (!modinfo.ok) return failed(modinfo.errno === 'ENOMEM' ? 'ENOMEM' : 'EINVAL');
  if (modinfo.value === undefined) return failed('ENOENT');
  return ok(infoList(modinfo.value, readSignature(image)));
}

/** kmod says no more than the errno's text, so that is the whole message. */
const failed = (errno: Errno) => fail(errno, strerror(errno));
