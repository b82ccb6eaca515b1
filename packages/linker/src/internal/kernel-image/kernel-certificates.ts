import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';
import { ImageTooLarge } from '../image/image-too-large.js';
import type { KernelCertificate } from '../signing/certificate.js';
import { bzImagePayload, isBzImage } from './bzimage.js';
import { scanCertificates } from './certificate-scan.js';
import { decompressKernelPayload, kernelCompressionOf, type KernelCompression } from './kernel-payload.js';

// The X.509 certificates built into a kernel (CONFIG_SYSTEM_TRUSTED_KEYS and the build's own
// signing key): what its built-in keyring holds at boot, and so which module signatures it
// accepts. They are found in the kernel image a boot loader loads (a bzImage: /boot/vmlinuz-*)
// or in an uncompressed vmlinux.

/** A decompressed vmlinux is 30 to 100 MiB; this bounds what a corrupt or hostile file may claim. */
export const MAX_KERNEL_IMAGE_BYTES = 512 * 1024 * 1024;

export interface KernelCertificates {
  readonly certificates: readonly KernelCertificate[];
  /** How the vmlinux was stored: 'none' for a vmlinux file given as it is. */
  readonly compression: KernelCompression;
  /** The size of the vmlinux that was searched. */
  readonly vmlinuxBytes: number;
}

/**
 * The certificates in a kernel image (a bzImage or an ELF vmlinux). A file that is neither, a
 * compressor kmodsim cannot decode, or a corrupt payload is ENOEXEC; a payload that would
 * decompress past `maxBytes` is refused without decoding it all. No certificate at all is not
 * a failure: a kernel built without CONFIG_MODULE_SIG has none.
 */
export function findKernelCertificates(file: string, data: Uint8Array, maxBytes = MAX_KERNEL_IMAGE_BYTES): Result<KernelCertificates, LinkerFailure> {
  let vmlinux = data;
  let compression: KernelCompression = 'none';
  if (isBzImage(data)) {
    const place = bzImagePayload(data);
    if (!place.ok) return { ...place, file };
    const payload = data.subarray(place.value.start, place.value.end);
    const found = kernelCompressionOf(payload);
    if (found === undefined || found === 'none') return fail('ENOEXEC', 'the bzImage payload is in no compression format kmodsim knows', { file });
    compression = found;
    try {
      vmlinux = decompressKernelPayload(payload, compression, maxBytes);
    } catch (error) {
      return fail('ENOEXEC', error instanceof ImageTooLarge ? error.message : `${compression} payload: ${(error as Error).message}`, { file });
    }
  } else if (kernelCompressionOf(data) !== 'none') {
    return fail('ENOEXEC', 'neither a bzImage (no HdrS header) nor an ELF vmlinux', { file });
  }
  return ok({ certificates: scanCertificates(vmlinux, file), compression, vmlinuxBytes: vmlinux.length });
}
