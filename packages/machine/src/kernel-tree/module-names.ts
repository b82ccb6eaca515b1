// Which files in a module tree are modules, and what a module file's name is, by name alone:
// cheap enough for a tool that only compares times (depmod -A) or looks a name up in
// modules.dep to use without loading the linker.

export const MODULE_EXTENSIONS = ['.ko', '.ko.gz', '.ko.xz', '.ko.zst'];
/** A module file's name: one of kmod's module extensions, after something. */
export function isModuleFileName(name: string): boolean {
  return MODULE_EXTENSIONS.some((ext) => name.length > ext.length && name.endsWith(ext));
}

/**
 * The module a file holds, by its name: the base name up to its first dot, with '-' read as '_'.
 * The linker's moduleNameFromPath, written out: the lookups are on paths (lsmod's, modinfo's)
 * that never load the linker.
 */
export function moduleNameOfPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return (dot < 0 ? base : base.slice(0, dot)).replaceAll('-', '_');
}
