// How figures read on the page: times in the unit that keeps three significant digits, sizes in
// binary units, as the kernel's own tools print them.

const TIME_UNITS: readonly { readonly ns: number; readonly unit: string }[] = [
  { ns: 1e9, unit: 's' },
  { ns: 1e6, unit: 'ms' },
  { ns: 1e3, unit: 'µs' },
];

export function formatNs(ns: number): string {
  const unit = TIME_UNITS.find((entry) => Math.abs(ns) >= entry.ns);
  return unit === undefined ? `${significant(ns)} ns` : `${significant(ns / unit.ns)} ${unit.unit}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${significant(bytes / 1024)} KiB`;
  return `${significant(bytes / (1024 * 1024))} MiB`;
}

/** A search's wall time. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${significant(ms / 1000)} s`;
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** Three significant digits, without a trailing zero after the point. */
function significant(value: number): string {
  if (value === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return String(Number(value.toFixed(Math.min(digits, 3))));
}
