// Which files in a module tree are modules, by name alone: cheap enough for a tool that only
// compares times (depmod -A) to use without loading the linker.

export const MODULE_EXTENSIONS = ['.ko', '.ko.gz', '.ko.xz', '.ko.zst'];
/** A module file's name: one of kmod's module extensions, after something. */
export function isModuleFileName(name: string): boolean {
  return MODULE_EXTENSIONS.some((ext) => name.length > ext.length && name.endsWith(ext));
}
