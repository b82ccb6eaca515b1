import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';

// System.map: `address type name` per line, as nm prints vmlinux. Exported symbols are the
// ones with a `__ksymtab_<name>` entry beside them (depmod -F reads exports that way).

export interface SystemMapEntry {
  readonly address: bigint;
  readonly type: string;
  readonly name: string;
}

export function parseSystemMap(file: string, text: string): Result<SystemMapEntry[], LinkerFailure> {
  const entries: SystemMapEntry[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    const match = /^([0-9a-fA-F]+) (\S) (.+)$/.exec(line);
    if (match === null) return fail('EINVAL', `line ${index + 1}: invalid line: ${JSON.stringify(line)}`, { file });
    const [, address = '0', type = '?', name = ''] = match;
    entries.push({ address: BigInt(`0x${address}`), type, name });
  }
  return ok(entries);
}

const KSYMTAB_PREFIX = '__ksymtab_';

/** The names System.map marks as exported, in file order. */
export function exportedNames(entries: readonly SystemMapEntry[]): string[] {
  return entries.filter((e) => e.name.startsWith(KSYMTAB_PREFIX)).map((e) => e.name.slice(KSYMTAB_PREFIX.length));
}
