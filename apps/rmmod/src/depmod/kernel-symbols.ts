import { readTreeText } from '@kmodsim/machine';
import { fail, ok, strerror, type Result } from '@kmodsim/cpu';

// vmlinux's exports for depmod -E (Module.symvers, with CRCs) and -F (System.map, names only),
// read as kmod reads them: lines it cannot use are skipped, only vmlinux's lines count.

/** The symbols, and the lines kmod complains about (depmod goes on past them). */
export interface KernelSymbols {
  readonly symbols: { name: string; crc: number }[];
  readonly errors: string[];
}

/** The file's text; undefined when it is missing or is no regular file of a sane size (a FIFO, /dev/zero). */
function readText(file: string): string | undefined {
  const read = readTreeText(file);
  return read.ok ? read.text : undefined;
}

export function loadSymvers(file: string): Result<KernelSymbols> {
  const text = readText(file);
  if (text === undefined) return fail('ENOENT', strerror('ENOENT'));
  const symbols: { name: string; crc: number }[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, index) => {
    const [crcText, name, owner] = line.split(/[ \t]+/).filter((token) => token !== '');
    if (crcText === undefined || name === undefined || owner !== 'vmlinux') return;
    if (!/^(0x)?[0-9a-fA-F]+$/.test(crcText)) {
      errors.push(`${file}:${index + 1} Invalid symbol version ${crcText}: Success`);
      return;
    }
    symbols.push({ name, crc: Number(BigInt(crcText.startsWith('0x') ? crcText : `0x${crcText}`) & 0xffffffffn) });
  });
  return ok({ symbols, errors });
}

export function loadSystemMap(file: string): Result<KernelSymbols> {
  const text = readText(file);
  if (text === undefined) return fail('ENOENT', strerror('ENOENT'));
  const symbols: { name: string; crc: number }[] = [];
  const errors: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const fields = line.split(' ');
    if (fields.length < 3) {
      errors.push(`${file}:${index + 1}: invalid line: ${line}`);
      return;
    }
    const name = fields.slice(2).join(' ');
    if (name.startsWith('__ksymtab_')) symbols.push({ name: name.slice('__ksymtab_'.length), crc: 0 });
  });
  return ok({ symbols, errors });
}
