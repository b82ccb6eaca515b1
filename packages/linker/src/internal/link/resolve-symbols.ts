import type { ModuleImage } from '../image/module-image.js';
import type { KernelSymbol, SymbolResolver } from '../symbols/kernel-symbol.js';
import type { ForceFlags, KernelConfig } from './kernel-config.js';
import type { LinkRefusal, ResolvedImport } from './linked-module.js';
import { checkSymbolVersion } from './version-checks.js';
import { modinfoValue } from '../image/modinfo.js';

// resolve_symbol() for every undefined symbol, as simplify_symbols() walks them: a proprietary
// module cannot see GPL-only exports; a module that uses GPL-only exports may not use a
// proprietary module's; CRCs must agree; namespaced exports need MODULE_IMPORT_NS. The walk goes
// on past a failure so the log names every bad symbol; the last failure decides the errno.

export interface Resolution {
  readonly imports: readonly ResolvedImport[];
  readonly addresses: ReadonlyMap<number, bigint>;
  readonly inheritedProprietary: boolean;
  readonly forced: boolean;
  readonly log: readonly string[];
  readonly failure?: Pick<LinkRefusal, 'errno' | 'reason' | 'message'>;
}

const ERR_NUMBERS = { ENOENT: 2, EINVAL: 22 } as const;

export function resolveSymbols(
  image: ModuleImage,
  resolver: SymbolResolver,
  kernel: KernelConfig,
  force: ForceFlags,
  proprietary: boolean,
): Resolution {
  const imports: ResolvedImport[] = [];
  const addresses = new Map<number, bigint>();
  const log: string[] = [];
  const importedNamespaces = new Set(image.modinfo.filter((e) => e.key === 'import_ns').map((e) => e.value));
  let usingGplOnly = false;
  let inheritedProprietary = false;
  let forced = false;
  let failure: Resolution['failure'];

  const fail = (name: string, errno: 'ENOENT' | 'EINVAL', reason: LinkRefusal['reason'], detail?: string): void => {
    if (detail !== undefined) log.push(detail);
    const message = `${image.name}: Unknown symbol ${name} (err -${ERR_NUMBERS[errno]})`;
    log.push(message);
    failure = { errno, reason, message: detail === undefined ? message : `${detail}\n${message}` };
  };

  for (const wanted of image.imports) {
    const found: KernelSymbol | undefined = resolver.lookup(wanted.name);
    const visible = found !== undefined && !(found.gplOnly && proprietary) ? found : undefined;
    if (visible === undefined) {
      // Weak references may stay unresolved, and old assemblers leave an unused GOT symbol.
      if (wanted.weak || wanted.name === '_GLOBAL_OFFSET_TABLE_') {
        addresses.set(wanted.symbolIndex, 0n);
        continue;
      }
      fail(wanted.name, 'ENOENT', found === undefined ? 'unknown-symbol' : 'gpl-only-symbol');
      continue;
    }
    if (visible.gplOnly) usingGplOnly = true;
    if (resolver.isProprietary?.(visible.owner) === true) {
      if (usingGplOnly) {
        fail(wanted.name, 'ENOENT', 'gpl-only-symbol', `${image.name}: module using GPL-only symbols uses symbols ${wanted.name} from proprietary module ${visible.owner}.`);
        continue;
      }
      if (!proprietary && !inheritedProprietary) log.push(`${image.name}: module uses symbols ${wanted.name} from proprietary module ${visible.owner}, inheriting taint.`);
      inheritedProprietary = true;
    }
    const version = checkSymbolVersion(image, kernel, force, wanted.name, visible.crc);
    if (!version.ok) {
      fail(wanted.name, 'EINVAL', 'symbol-version', version.log);
      continue;
    }
    if (version.warning !== undefined) log.push(version.warning);
    forced ||= version.forced;
    if (visible.namespace !== undefined && !importedNamespaces.has(visible.namespace)) {
      fail(wanted.name, 'EINVAL', 'namespace', `${image.name}: module uses symbol (${wanted.name}) from namespace ${visible.namespace}, but does not import it.`);
      continue;
    }
    addresses.set(wanted.symbolIndex, visible.address);
    imports.push({ name: wanted.name, address: visible.address, owner: visible.owner, gplOnly: visible.gplOnly });
  }
  return { imports, addresses, inheritedProprietary, forced, log, ...(failure !== undefined ? { failure } : {}) };
}

/** check_modstruct_version(): the module's idea of struct module must match the kernel's. */
export function checkModuleLayout(image: ModuleImage, resolver: SymbolResolver, kernel: KernelConfig, force: ForceFlags): string | undefined {
  const layout = resolver.lookup('module_layout');
  if (layout === undefined) return undefined;
  const outcome = checkSymbolVersion(image, kernel, force, 'module_layout', layout.crc);
  return outcome.ok ? undefined : outcome.log;
}

export const licenseOf = (image: ModuleImage): string => modinfoValue(image.modinfo, 'license') ?? 'unspecified';
