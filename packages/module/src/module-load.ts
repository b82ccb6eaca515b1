import type { TaintName } from './taint.js';
import type { ModuleBehaviour } from './behaviour.js';

/** A symbol a module exports. */
export interface ExportedSymbol {
  readonly name: string;
  /** EXPORT_SYMBOL_GPL: only GPL-compatible modules may use it. */
  readonly gplOnly: boolean;
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
}

/** The licences the kernel treats as GPL-compatible (include/linux/license.h). */
const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license);
}
