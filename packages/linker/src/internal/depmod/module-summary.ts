import type { ElfFile } from '../elf/elf-file.js';
import { parseModinfo, type ModinfoEntry } from '../image/modinfo.js';
import { readCrcs } from '../image/exports.js';
import { readImports, readVersions } from '../image/imports.js';

// What depmod needs from one module, read as libkmod reads it: the .modinfo strings; the
// exports (the `__crc_<name>` symbols with their CRCs, or without them every name in
// __ksymtab_strings); and the dependency symbols (undefined symbols with the CRC __versions
// records for each, then the __versions entries no symbol used, such as module_layout).

export interface DependencySymbol {
  readonly name: string;
  readonly crc: number;
  readonly weak: boolean;
}

export interface ModuleSummary {
  readonly modinfo: readonly ModinfoEntry[];
  readonly exports: readonly { readonly name: string; readonly crc: number }[];
  readonly dependencySymbols: readonly DependencySymbol[];
}

export function summarizeModule(elf: ElfFile): ModuleSummary {
  const info = elf.section('.modinfo');
  return {
    modinfo: info === undefined ? [] : parseModinfo(elf.contents(info)),
    exports: exportsOf(elf),
    dependencySymbols: dependencySymbolsOf(elf),
  };
}

function exportsOf(elf: ElfFile): { name: string; crc: number }[] {
  const crcs = readCrcs(elf);
  if (crcs.size > 0) return [...crcs].map(([name, crc]) => ({ name, crc }));
  const strings = elf.section('__ksymtab_strings');
  if (strings === undefined) return [];
  return Buffer.from(elf.contents(strings))
    .toString('latin1')
    .split('\0')
    .filter((name) => name !== '')
    .map((name) => ({ name, crc: 0 }));
}

function dependencySymbolsOf(elf: ElfFile): DependencySymbol[] {
  const versions = readVersions(elf);
  const crcByName = new Map<string, number>();
  for (const version of versions) if (!crcByName.has(version.name)) crcByName.set(version.name, version.crc);
  const symbols: DependencySymbol[] = readImports(elf).map(({ name, weak }) => ({ name, crc: crcByName.get(name) ?? 0, weak }));
  const used = new Set(symbols.map((s) => s.name));
  for (const version of versions) if (!used.has(version.name)) symbols.push({ name: version.name, crc: version.crc, weak: false });
  return symbols;
}
