import { strerror, type Errno } from '@kmodsim/cpu';

// The words kmod's tools put on an errno (libkmod's mod_strerror for insertions, strerror for
// the rest), so a failure reads exactly as it would on a real machine.

/** insmod's wording: libkmod's mod_strerror. */
export function insmodStrerror(errno: Errno): string {
  switch (errno) {
    case 'ENOEXEC':
      return 'Invalid module format';
    case 'ENOENT':
      return 'Unknown symbol in module';
    case 'ESRCH':
      return 'Module has wrong symbol version';
    case 'EINVAL':
      return 'Invalid parameters';
    default:
      return strerror(errno);
  }
}

/** modprobe's wording, which also points at unknown parameters and dmesg. */
export function modprobeStrerror(errno: Errno): string {
  switch (errno) {
    case 'ENOENT':
      return 'Unknown symbol in module, or unknown parameter (see dmesg)';
    case 'EINVAL':
      return 'Invalid argument';
    default:
      return insmodStrerror(errno);
  }
}
