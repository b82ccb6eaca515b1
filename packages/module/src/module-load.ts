import type { Result } from '@kmodsim/cpu';
import type { TaintName } from './taint.js';
import type { ModuleBehaviour } from './behaviour.js';
import type { ModuleParam } from './params.js';

/** A symbol a module exports. */
export interface ExportedSymbol {
  readonly name: string;
  /** EXPORT_SYMBOL_GPL: only GPL-compatible modules may use it. */
  readonly gplOnly: boolean;
  /** Where the linker placed it, and its version CRC, for modules loaded from a real image. */
  readonly address?: bigint;
  readonly crc?: number;
}

/** Everything init_module needs to know about a module image once it has been read and linked. */
export interface ModuleLoad {
  readonly name: string;
  /** Bytes of the parts kept while loaded (text, rodata, data) and of the init-only parts. */
  readonly coreBytes: number;
  readonly initBytes: number;
  readonly exports: readonly ExportedSymbol[];
  /** Symbols the module imports, resolved at load against the kernel and loaded modules. */
  readonly imports: readonly string[];
  readonly license: string;
  readonly hasInit: boolean;
  readonly hasExit: boolean;
  /** Taints loading this module adds (out-of-tree, unsigned, proprietary). */
  readonly taints?: readonly TaintName[];
  readonly behaviour?: ModuleBehaviour;
  /** Where the linker placed the core text (modules loaded without an image get an address from the core). */
  readonly address?: bigint;
  /** The parameters it declares, which parse_args sets from init_module's argument string. */
  readonly params?: readonly ModuleParam[];
}

export { isGplCompatible } from '@kmodsim/linker';

/** A module ready to be added, as against a refusal. */
export function isModuleLoad(value: ModuleLoad | Result<undefined>): value is ModuleLoad {
  return 'name' in value;
}
