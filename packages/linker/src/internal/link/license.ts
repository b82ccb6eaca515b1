// include/linux/license.h: the licence strings the kernel treats as GPL-compatible. Any other
// licence, or none, marks the module proprietary: it taints the kernel ('P') and may not link
// against EXPORT_SYMBOL_GPL symbols.

const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export function isGplCompatible(license: string | undefined): boolean {
  return license !== undefined && GPL_COMPATIBLE.has(license);
}
