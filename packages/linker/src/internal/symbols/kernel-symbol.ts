// One exported symbol as the kernel's symbol search finds it: where it is, who owns it, and the
// facts the loader checks before letting a module link against it.

export interface KernelSymbol {
  readonly name: string;
  readonly address: bigint;
  /** EXPORT_SYMBOL_GPL. */
  readonly gplOnly: boolean;
  /** The CRC of its prototype (CONFIG_MODVERSIONS), if it has one. */
  readonly crc?: number;
  readonly namespace?: string;
  /** 'vmlinux' or the name of the module that exports it. */
  readonly owner: string;
  /** The nm-style type letter (T, D, R, B, ...) when known. */
  readonly type?: string;
}

/** What the linker asks when it resolves an undefined symbol. */
export interface SymbolResolver {
  lookup(name: string): KernelSymbol | undefined;
  /** Whether a module has a proprietary licence (its symbols then taint their users). */
  isProprietary?(owner: string): boolean;
}

export const VMLINUX = 'vmlinux';
