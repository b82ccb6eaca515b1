import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { fail, ok, strerror, type Errno, type Result } from '@kmodsim/cpu';
import { compressionOf, decompress, MAX_MODULE_BYTES, parseModinfo, readElf, readSignature, type ModinfoEntry } from '@kmodsim/linker';
import { infoList } from './format.js';

// Reads the info list of one module file, with the errno kmod would report when it cannot:
// ENOENT for a missing file or a missing .modinfo section, ENOEXEC for something that is not ELF
// at all, EINVAL for an ELF kmod's reader rejects or a file too short to hold a format's magic,
// EFBIG for a file larger than the linker's MAX_MODULE_BYTES (as insmod says), read no further.

const LONGEST_MAGIC_BYTES = 6;

export function readInfo(path: string): Result<ModinfoEntry[]> {
  const read = readBounded(path);
  if (!read.ok) return read;
  const data = read.value;
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

/**
 * The file's bytes, its size checked first: EFBIG past MAX_MODULE_BYTES, and never more than that
 * read (a file that grows while it is read is cut there). ENOENT when it cannot be opened or read.
 */
function readBounded(path: string): Result<Uint8Array> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return failed('ENOENT');
  }
  try {
    const stats = fstatSync(fd);
    // A FIFO or a device (/dev/zero) is no module file: EINVAL at once, as the kernel's
    // kernel_read_file() says for anything but a regular file, instead of a read that never ends.
    if (!stats.isFile()) return failed('EINVAL');
    const size = stats.size;
    if (size > MAX_MODULE_BYTES) return failed('EFBIG');
    const data = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const got = readSync(fd, data, filled, size - filled, filled);
      if (got === 0) break;
      filled += got;
    }
    return ok(data.subarray(0, filled));
  } catch {
    return failed('ENOENT');
  } finally {
    closeSync(fd);
  }
}

/** kmod says no more than the errno's text, so that is the whole message. */
const failed = (errno: Errno) => fail(errno, strerror(errno));
