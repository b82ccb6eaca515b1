import { checksumOf } from './checksum.js';
import { writeFileAtomic } from './durable-file.js';
import { readOwnFile } from './own-file.js';
import type { Errno, Failure, Result } from '@kmodsim/cpu';
import type { BootConfig } from './records.js';

// machine.json: what the machine was booted with. Its presence is what makes a directory a
// machine; its checksum catches an edit or a torn copy.

const FORMAT = 'kmodsim-machine';
const VERSION = 1;
/** machine.json holds a few hundred bytes, a few KiB with certificates. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The configuration; or no machine.json (ENOENT), or one kmodsim did not write as it is (EIO). */
export type ConfigRead = Result<BootConfig, Failure & { readonly kind: 'missing' | 'damaged' | 'unreadable' }>;

// cpu's fail, written out: the store does not load @kmodsim/cpu (see store-error.ts).
const failed = (errno: Errno, kind: 'missing' | 'damaged' | 'unreadable', message: string): ConfigRead => ({ ok: false, errno, kind, message });

export function writeBootConfig(path: string, config: BootConfig): void {
  const json = JSON.stringify(config);
  writeFileAtomic(path, `${JSON.stringify({ format: FORMAT, version: VERSION, checksum: checksumOf(json), config })}\n`);
}

export function readBootConfig(path: string): ConfigRead {
  const read = readOwnFile(path, MAX_CONFIG_BYTES);
  // The system refusing a read (EACCES) says nothing about the file: it may be a sound machine's.
  if (!read.ok) return failed(read.errno, read.kind === 'unreadable' ? 'unreadable' : 'damaged', read.message);
  if (read.value.kind === 'missing') return failed('ENOENT', 'missing', 'no machine.json');
  const text = read.value.bytes.toString('utf8');
  let file: { format?: unknown; version?: unknown; checksum?: unknown; config?: BootConfig };
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    return failed('EIO', 'damaged', 'not JSON');
  }
  if (file.format !== FORMAT) return failed('EIO', 'damaged', `format is ${JSON.stringify(file.format)}, not ${FORMAT}`);
  if (file.version !== VERSION) return failed('EIO', 'damaged', `version ${String(file.version)} is not one this kmodsim reads (${VERSION})`);
  if (file.config === undefined || file.checksum !== checksumOf(JSON.stringify(file.config))) return failed('EIO', 'damaged', 'checksum mismatch');
  return { ok: true, value: file.config };
}

/** Whether path is a machine.json of kmodsim's: a regular file (not a link) holding its format, damaged or not. */
export function isMachineConfig(path: string): boolean {
  const read = readOwnFile(path, MAX_CONFIG_BYTES);
  if (!read.ok || read.value.kind !== 'read') return false;
  try {
    return (JSON.parse(read.value.bytes.toString('utf8')) as { format?: unknown } | null)?.format === FORMAT;
  } catch {
    return false;
  }
}
