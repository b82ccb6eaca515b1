import { ElfFile, type ElfSection } from '../elf/elf-file.js';
import { ElfDefect } from '../elf/defect.js';
import { ET_REL, SHF_ALLOC, SHN_UNDEF, SHT_NOBITS } from '../elf/constants.js';
import { architectures } from '../arch/registry.js';
import type { Architecture } from '../arch/arch.js';
import { fail, ok, type Result } from '@kmodsim/cpu';
import type { LinkerFailure } from '../../failure.js';
import { parseModinfo, modinfoValue, type ModinfoEntry } from './modinfo.js';
import { readExports, type ModuleExport } from './exports.js';
import { readImports, readVersions, type ModuleImport, type SymbolVersion } from './imports.js';
import { readSignature, type ModuleSignature } from './signature.js';
import { compressionOf, decompress, type Compression } from './decompress.js';

// A kernel module as the loader sees it: the ELF object, its .modinfo, what it exports and
// imports, the CRCs it expects, its struct module and entry points, and its signature.

export interface ModuleImage {
  /** The path or label the image was read from, for messages. */
  readonly file: string;
  /** The module's name: .modinfo `name`, else the file name without extension, '-' as '_'. */
  readonly name: string;
  readonly elf: ElfFile;
  readonly architecture: Architecture;
  readonly compression: Compression;
  readonly modinfo: readonly ModinfoEntry[];
  readonly license?: string;
  readonly vermagic?: string;
  readonly exports: readonly ModuleExport[];
  readonly imports: readonly ModuleImport[];
  readonly versions: readonly SymbolVersion[];
  /** The .gnu.linkonce.this_module section: the module's struct module. */
  readonly thisModule: ElfSection;
  /** `init_module` / `cleanup_module`, the aliases module_init and module_exit define. */
  readonly initSymbol?: string;
  readonly exitSymbol?: string;
  readonly signature?: ModuleSignature;
}

/** Reads a module from its file bytes (compressed or not). Malformed input is an ENOEXEC value. */
export function readModuleImage(file: string, data: Uint8Array): Result<ModuleImage, LinkerFailure> {
  const compression = compressionOf(data);
  let image: Uint8Array;
  try {
    image = decompress(data, compression);
  } catch (error) {
    return fail('ENOEXEC', `cannot decompress ${compression} data: ${(error as Error).message}`, { file });
  }
  try {
    return buildImage(file, image, compression);
  } catch (error) {
    if (error instanceof ElfDefect) return fail(error.errno, error.message, { file });
    throw error;
  }
}

/** Runs a reader over an ELF image, turning a defect into an ENOEXEC value naming the file. */
export function readElf<T>(file: string, image: Uint8Array, read: (elf: ElfFile) => T): Result<T, LinkerFailure> {
  try {
    return ok(read(new ElfFile(image)));
  } catch (error) {
    if (error instanceof ElfDefect) return fail(error.errno, error.message, { file });
    throw error;
  }
}

function buildImage(file: string, image: Uint8Array, compression: Compression): Result<ModuleImage, LinkerFailure> {
  const elf = new ElfFile(image);
  if (elf.header.type !== ET_REL) return fail('ENOEXEC', `Invalid ELF header type: ${elf.header.type} != ${ET_REL}`, { file });
  const architecture = architectures.get(elf.header.machine);
  if (architecture === undefined) return fail('ENOEXEC', `Invalid architecture in ELF header: ${elf.header.machine}`, { file });
  const thisModule = uniqueSection(elf, '.gnu.linkonce.this_module');
  if (thisModule === undefined || thisModule.type === SHT_NOBITS || (thisModule.flags & SHF_ALLOC) === 0) {
    return fail('ENOEXEC', 'Exactly one .gnu.linkonce.this_module section must exist.', { file });
  }
  if (elf.symtab() === undefined) return fail('ENOEXEC', 'module has no symbols (stripped?)', { file });
  const infoSection = elf.section('.modinfo');
  const modinfo = infoSection === undefined ? [] : parseModinfo(elf.contents(infoSection));
  const license = modinfoValue(modinfo, 'license');
  const vermagic = modinfoValue(modinfo, 'vermagic');
  const initSymbol = definedSymbol(elf, 'init_module');
  const exitSymbol = definedSymbol(elf, 'cleanup_module');
  const signature = readSignature(image);
  return ok({
    file,
    name: modinfoValue(modinfo, 'name') ?? moduleNameFromPath(file),
    elf,
    architecture,
    compression,
    modinfo,
    ...(license !== undefined ? { license } : {}),
    ...(vermagic !== undefined ? { vermagic } : {}),
    exports: readExports(elf),
    imports: readImports(elf),
    versions: readVersions(elf),
    thisModule,
    ...(initSymbol !== undefined ? { initSymbol } : {}),
    ...(exitSymbol !== undefined ? { exitSymbol } : {}),
    ...(signature !== undefined ? { signature } : {}),
  });
}

function uniqueSection(elf: ElfFile, name: string): ElfSection | undefined {
  const matches = elf.sections.filter((s) => s.name === name);
  return matches.length === 1 ? matches[0] : undefined;
}

function definedSymbol(elf: ElfFile, name: string): string | undefined {
  return elf.symbols().some((s) => s.name === name && s.sectionIndex !== SHN_UNDEF) ? name : undefined;
}

/** kmod's path_to_modname: the base name up to the first '.', with '-' read as '_'. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return (dot < 0 ? base : base.slice(0, dot)).replaceAll('-', '_');
}
