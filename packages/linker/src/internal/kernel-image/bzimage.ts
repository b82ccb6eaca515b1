// Where the compressed kernel sits in a bzImage (Documentation/x86/boot.rst): the real-mode
// header at 0x1f1 gives the setup code's size in sectors, and from boot protocol 2.08 on,
// payload_offset and payload_length locate the compressed vmlinux inside the protected-mode
// part that follows it. The payload's last four bytes are the decompressed size (mkpiggy reads
// them as the output length; gzip's own trailer holds it too).

import { fail, ok, type Failure, type Result } from '@kmodsim/cpu';

const SETUP_SECTS_AT = 0x1f1;
const HEADER_MAGIC_AT = 0x202;
const VERSION_AT = 0x206;
const PAYLOAD_OFFSET_AT = 0x248;
const PAYLOAD_LENGTH_AT = 0x24c;
const SECTOR_BYTES = 512;
/** Boot protocol 2.08 (Linux 2.6.26) added payload_offset and payload_length. */
const FIRST_VERSION_WITH_PAYLOAD = 0x0208;
const HDRS = [0x48, 0x64, 0x72, 0x53];

export interface BzImagePayload {
  readonly start: number;
  readonly end: number;
  readonly protocolVersion: number;
}

/** Whether the bytes start like a bzImage (the "HdrS" magic of the setup header). */
export function isBzImage(data: Uint8Array): boolean {
  return data.length > PAYLOAD_LENGTH_AT + 4 && HDRS.every((byte, i) => data[HEADER_MAGIC_AT + i] === byte);
}

/** The payload's place in the file, or why it cannot be found (ENOEXEC, as for any image the kernel cannot read). */
export function bzImagePayload(data: Uint8Array): Result<BzImagePayload, Failure<'ENOEXEC'>> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const protocolVersion = view.getUint16(VERSION_AT, true);
  if (protocolVersion < FIRST_VERSION_WITH_PAYLOAD) return fail('ENOEXEC', `boot protocol ${protocolVersion >> 8}.${protocolVersion & 0xff} predates payload_offset (2.08)`);
  // A zero setup_sects means 4, for the oldest boot loaders.
  const setupSectors = data[SETUP_SECTS_AT] === 0 ? 4 : data[SETUP_SECTS_AT] ?? 4;
  const start = (setupSectors + 1) * SECTOR_BYTES + view.getUint32(PAYLOAD_OFFSET_AT, true);
  const end = start + view.getUint32(PAYLOAD_LENGTH_AT, true);
  if (end > data.length || end - start < 4) return fail('ENOEXEC', `the payload (bytes ${start}..${end}) is not inside the ${data.length}-byte file`);
  return ok({ start, end, protocolVersion });
}
