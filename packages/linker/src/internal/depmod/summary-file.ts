import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';
import { ElfDefect } from '../elf/defect.js';
import { compressionOf, decompress } from '../image/decompress.js';
import { MAX_MODULE_BYTES } from '../limits.js';
import { FileWindow, MemoryWindow } from './byte-window.js';
import type { ModuleSummary } from './module-summary.js';
import { HEAD_BYTES, summarize } from './summary-reader.js';

// depmod's reader of a module file on disk: a regular file (a FIFO or a device named like a
// module is EIO at once, never a read that does not end), read through a window when it is not
// compressed, whole and decompressed (within the image limit) when it is.

const fileWindow = new FileWindow();

/**
 * The summary of the module in `path`, reading only what depmod needs when the file is not
 * compressed. A file that cannot be read or decompressed is EIO; a malformed object ENOEXEC.
 */
export function summarizeModuleFile(path: string): Result<ModuleSummary, LinkerFailure> {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO named like a module must not stop depmod at open(2).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return fail('EIO', (error as Error).message, { file: path });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return fail('EIO', 'not a regular file', { file: path });
    const size = stats.size;
    fileWindow.moveTo(fd, size);
    const head = fileWindow.bytes(0, Math.min(size, HEAD_BYTES), 'file head');
    const compression = compressionOf(head);
    if (compression === 'none') return ok(summarize(fileWindow));
    if (size > MAX_MODULE_BYTES) return fail('EIO', `cannot decompress ${compression} data: the file is ${size} bytes, more than the limit of ${MAX_MODULE_BYTES}`, { file: path });
    let image: Uint8Array;
    try {
      image = decompress(readFileSync(fd), compression);
    } catch (error) {
      return fail('EIO', `cannot decompress ${compression} data: ${(error as Error).message}`, { file: path });
    }
    return ok(summarize(new MemoryWindow(image)));
  } catch (error) {
    if (error instanceof ElfDefect) return fail(error.errno, error.message, { file: path });
    if (error instanceof Error && 'code' in error) return fail('EIO', error.message, { file: path });
    throw error;
  } finally {
    fileWindow.moveTo(-1, 0);
    closeSync(fd);
  }
}

