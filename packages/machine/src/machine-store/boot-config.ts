import { checksumOf } from './checksum.js';
import { writeFileAtomic } from './durable-file.js';
import { readOwnFile } from './own-file.js';
import type { BootConfig } from './records.js';

// machine.json: what the machine was booted with. Its presence is what makes a directory a
// machine; its checksum catches an edit or a torn copy.

const FORMAT = 'kmodsim-machine';
const VERSION = 1;
/** machine.json holds a few hundred bytes, a few KiB with certificates. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type ConfigRead =
  | { readonly ok: true; readonly config: BootConfig }
  | { readonly ok: false; readonly kind: 'missing' | 'damaged'; readonly why: string };

export function writeBootConfig(path: string, config: BootConfig): void {
  const json = JSON.stringify(config);
  writeFileAtomic(path, `${JSON.stringify({ format: FORMAT, version: VERSION, checksum: checksumOf(json), config })}\n`);
}

export function readBootConfig(path: string): ConfigRead {
  const read = readOwnFile(path, MAX_CONFIG_BYTES);
  if (read.kind === 'missing') return { ok: false, kind: 'missing', why: 'no machine.json' };
  if (read.kind !== 'read') return { ok: false, kind: 'damaged', why: read.why };
  const text = read.bytes.toString('utf8');
  let file: { format?: unknown; version?: unknown; checksum?: unknown; config?: BootConfig };
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    return { ok: false, kind: 'damaged', why: 'not JSON' };
  }
  if (file.format !== FORMAT) return { ok: false, kind: 'damaged', why: `format is ${JSON.stringify(file.format)}, not ${FORMAT}` };
  if (file.version !== VERSION) return { ok: false, kind: 'damaged', why: `version ${String(file.version)} is not one this kmodsim reads (${VERSION})` };
  if (file.config === undefined || file.checksum !== checksumOf(JSON.stringify(file.config))) return { ok: false, kind: 'damaged', why: 'checksum mismatch' };
  return { ok: true, config: file.config };
}
