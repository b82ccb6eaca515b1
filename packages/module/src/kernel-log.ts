/** One line of the kernel log, stamped with the cycle count of the CPU that printed it. */
export interface KernelLogEntry {
  readonly cycles: number;
  readonly text: string;
}

/** The kernel's message buffer (what dmesg reads). */
export class KernelLog {
  private readonly entries: KernelLogEntry[] = [];

  print(cycles: number, text: string): void {
    this.entries.push({ cycles, text });
  }

  get lines(): readonly KernelLogEntry[] {
    return this.entries;
  }

  /** Takes on these lines (a machine loaded from bytes). */
  replaceWith(entries: readonly KernelLogEntry[]): void {
    this.entries.length = 0;
    this.entries.push(...entries);
  }

  /** Forgets every line after the first `count` (entries are never changed, only added): a rewind. */
  cutTo(count: number): void {
    this.entries.length = Math.min(count, this.entries.length);
  }
}

/** dmesg's layout: `[seconds.micros] text`, seconds right-aligned in five columns. */
export function formatDmesg(entries: readonly KernelLogEntry[], ghz: number): string {
  return entries
    .map((entry) => {
      const micros = Math.floor(entry.cycles / (ghz * 1000));
      const seconds = Math.floor(micros / 1_000_000);
      const fraction = String(micros % 1_000_000).padStart(6, '0');
      return `[${String(seconds).padStart(5)}.${fraction}] ${entry.text}\n`;
    })
    .join('');
}
