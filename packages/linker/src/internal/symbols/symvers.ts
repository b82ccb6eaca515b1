import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';

// Module.symvers, as kbuild writes it: `crc<TAB>symbol<TAB>module<TAB>export type<TAB>namespace`
// per line, the CRC as 0x-prefixed hex.

export interface SymversEntry {
  readonly crc: number;
  readonly name: string;
  readonly owner: string;
  readonly gplOnly: boolean;
  readonly namespace?: string;
}

export function parseModuleSymvers(file: string, text: string): Result<SymversEntry[], LinkerFailure> {
  const entries: SymversEntry[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trim() === '') continue;
    const [crcText = '', name = '', owner = '', exportType = '', namespace = ''] = line.split('\t');
    const crc = Number.parseInt(crcText, 16);
    if (!/^0x[0-9a-fA-F]{1,8}$/.test(crcText) || name === '' || owner === '' || !exportType.startsWith('EXPORT_SYMBOL')) {
      return fail('EINVAL', `line ${index + 1}: not a Module.symvers line: ${JSON.stringify(line)}`, { file });
    }
    entries.push({ crc, name, owner, gplOnly: exportType === 'EXPORT_SYMBOL_GPL', ...(namespace !== '' ? { namespace } : {}) });
  }
  return ok(entries);
}
