import type { Errno } from '@kmodsim/cpu';

// The kernel's kstrto*() (lib/kstrtox.c) with base 0, as the module parameter setters call them:
// "0x" means hex and a leading 0 octal; one trailing newline is allowed; anything else left
// over is EINVAL, a value that does not fit the type ERANGE. Unsigned types take a leading '+'
// but not a '-'.

export interface IntegerType {
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
}

const U64_MAX = (1n << 64n) - 1n;

/** undefined when `text` is a valid value of the type, else kstrto*'s error. */
export function parseInteger(text: string, type: IntegerType): Errno | undefined {
  const negative = type.signed && text.startsWith('-');
  const magnitude = parseUnsigned(negative ? text.slice(1) : text.replace(/^\+/, ''));
  if (typeof magnitude === 'string') return magnitude;
  const value = negative ? -magnitude : magnitude;
  const limit = 1n << BigInt(type.signed ? type.bits - 1 : type.bits);
  const fits = type.signed ? value >= -limit && value < limit : value < limit;
  return fits ? undefined : 'ERANGE';
}

/** _kstrtoull: the digits in the radix the prefix chose; overflow past 64 bits is ERANGE. */
function parseUnsigned(text: string): bigint | Errno {
  let radix = 10;
  let at = 0;
  if (text.startsWith('0')) {
    if (/^0[xX][0-9a-fA-F]/.test(text)) {
      radix = 16;
      at = 2;
    } else radix = 8;
  }
  let value = 0n;
  let digits = 0;
  for (; at < text.length; at++, digits++) {
    const digit = Number.parseInt(text.charAt(at), 16);
    if (Number.isNaN(digit) || digit >= radix) break;
    value = value * BigInt(radix) + BigInt(digit);
    if (value > U64_MAX) return 'ERANGE';
  }
  if (digits === 0) return 'EINVAL';
  const rest = text.slice(at);
  return rest === '' || rest === '\n' ? value : 'EINVAL';
}

/** kstrtobool: y/Y/1/on are true, n/N/0/off false, by their first one or two characters. */
export function parseKernelBool(text: string): Errno | undefined {
  return /^([yYnN01]|[oO][nNfF])/.test(text) ? undefined : 'EINVAL';
}
