// lsmod's output as kmod's tools/lsmod.c prints it: a fixed header, then per module
// printf("%-19s %8ld  %d", name, size, refcount) and its holders, the first after a space, the
// rest after commas. This module is on lsmod's fast path: it imports nothing.

export interface LsmodRow {
  readonly name: string;
  readonly sizeBytes: number;
  readonly refcount: number;
  readonly holders: readonly string[];
}

export const LSMOD_HEADER = 'Module                  Size  Used by\n';

export function formatLsmod(rows: readonly LsmodRow[]): string {
  let text = LSMOD_HEADER;
  for (const row of rows) {
    const holders = row.holders.length === 0 ? '' : ` ${row.holders.join(',')}`;
    text += `${row.name.padEnd(19)} ${String(row.sizeBytes).padStart(8)}  ${row.refcount}${holders}\n`;
  }
  return text;
}
