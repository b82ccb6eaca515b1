import { VMLINUX, type KernelSymbol } from './kernel-symbol.js';

// A /proc/kallsyms-style listing: `address type name`, with `\t[module]` after symbols that a
// module owns. Addresses print as 16 hex digits, as %px does on a 64-bit kernel.

export function formatKallsyms(symbols: readonly KernelSymbol[]): string {
  const sorted = [...symbols].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.name < b.name ? -1 : 1));
  return sorted
    .map((symbol) => {
      const address = symbol.address.toString(16).padStart(16, '0');
      const owner = symbol.owner === VMLINUX ? '' : `\t[${symbol.owner}]`;
      return `${address} ${symbol.type ?? 'T'} ${symbol.name}${owner}\n`;
    })
    .join('');
}
