import { fail, ok, type Failure, type Result } from '@kmodsim/cpu';
import type { Architecture, RelocationSite } from './arch.js';
import { EM_X86_64 } from '../elf/constants.js';

// x86-64 relocations as arch/x86/kernel/module.c applies them in a module: absolute 64- and
// 32-bit values (32 must zero-extend, 32S must sign-extend, or the module was not built with
// -mcmodel=kernel), and place-relative 32- and 64-bit values. The kernel does not check PC32 for
// overflow because modules live within 2 GiB of the kernel; a simulated module area may not,
// so this linker checks it as GNU ld does.

const R_X86_64_NONE = 0;
const R_X86_64_64 = 1;
const R_X86_64_PC32 = 2;
const R_X86_64_PLT32 = 4;
const R_X86_64_32 = 10;
const R_X86_64_32S = 11;
const R_X86_64_PC64 = 24;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [R_X86_64_NONE]: 'R_X86_64_NONE',
  [R_X86_64_64]: 'R_X86_64_64',
  [R_X86_64_PC32]: 'R_X86_64_PC32',
  [R_X86_64_PLT32]: 'R_X86_64_PLT32',
  [R_X86_64_32]: 'R_X86_64_32',
  [R_X86_64_32S]: 'R_X86_64_32S',
  [R_X86_64_PC64]: 'R_X86_64_PC64',
};

const U64_MASK = (1n << 64n) - 1n;

function littleEndian(value: bigint, byteCount: number): Uint8Array {
  const bytes = new Uint8Array(byteCount);
  let rest = value & U64_MASK;
  for (let i = 0; i < byteCount; i++) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** The kernel's wording when a value does not fit its field. */
function overflow(type: number, value: bigint): Failure<'ENOEXEC'> {
  return fail('ENOEXEC', `overflow in relocation type ${type} val ${(value & U64_MASK).toString(16)}`);
}

const fitsSigned32 = (value: bigint): boolean => value >= -(1n << 31n) && value < 1n << 31n;

/** A 64-bit value as the kernel holds it: an unsigned long. */
const asUnsigned64 = (value: bigint): bigint => value & U64_MASK;

function relocate(site: RelocationSite): Result<Uint8Array, Failure<'ENOEXEC'>> {
  const value = asUnsigned64(site.value);
  switch (site.type) {
    case R_X86_64_NONE:
      return ok(new Uint8Array(0));
    case R_X86_64_64:
      return ok(littleEndian(value, 8));
    case R_X86_64_32:
      return value <= 0xffffffffn ? ok(littleEndian(value, 4)) : overflow(site.type, value);
    case R_X86_64_32S:
      return fitsSigned32(BigInt.asIntN(64, value)) ? ok(littleEndian(value, 4)) : overflow(site.type, value);
    case R_X86_64_PC32:
    case R_X86_64_PLT32: {
      const relative = BigInt.asIntN(64, value - asUnsigned64(site.placeAddress));
      return fitsSigned32(relative) ? ok(littleEndian(relative, 4)) : overflow(site.type, relative);
    }
    case R_X86_64_PC64:
      return ok(littleEndian(value - asUnsigned64(site.placeAddress), 8));
    default:
      return fail('ENOEXEC', `Unknown rela relocation: ${site.type}`);
  }
}

function patchBytes(type: number): number | undefined {
  switch (type) {
    case R_X86_64_NONE:
      return 0;
    case R_X86_64_64:
    case R_X86_64_PC64:
      return 8;
    case R_X86_64_32:
    case R_X86_64_32S:
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
      return 4;
    default:
      return undefined;
  }
}

export const x86_64: Architecture = {
  name: 'x86_64',
  elfMachine: EM_X86_64,
  patchBytes,
  relocate,
  typeName: (type) => TYPE_NAMES[type] ?? `type ${type}`,
};
