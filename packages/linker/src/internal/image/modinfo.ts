// The .modinfo section: `key=value` strings separated by runs of NULs (padding between the
// strings is allowed). A string without '=' is a key with an empty value, as kmod reads it.
// The strings are the module source's C string literals, which are UTF-8 (authors' names,
// descriptions with Greek letters), so they are decoded as UTF-8, as modinfo(8) prints them;
// a byte sequence that is not UTF-8 becomes U+FFFD.

export interface ModinfoEntry {
  readonly key: string;
  readonly value: string;
}

export function parseModinfo(section: Uint8Array): ModinfoEntry[] {
  const text = Buffer.from(section.buffer, section.byteOffset, section.byteLength).toString('utf8');
  const entries: ModinfoEntry[] = [];
  for (const item of text.split('\0')) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    entries.push(equals < 0 ? { key: item, value: '' } : { key: item.slice(0, equals), value: item.slice(equals + 1) });
  }
  return entries;
}

/** The first value of a key, as the kernel's get_modinfo returns it. */
export function modinfoValue(entries: readonly ModinfoEntry[], key: string): string | undefined {
  return entries.find((entry) => entry.key === key)?.value;
}
