import {
  VMLINUX, linkModule, type ForceFlags, type KernelConfig, type KernelSymbol, type KernelSymbolTable, type LinkedModule,
  type ModuleImage, type ModuleMemoryAllocator, type SymbolResolver,
} from '@kmodsim/linker';
import type { ModuleBehaviour } from './behaviour.js';
import { fail, type Failure, type Result } from '@kmodsim/cpu';
import type { KernelModule } from './kernel-module.js';
import { isModuleLoad, type ModuleLoad } from './module-load.js';
import type { ModuleList } from './module-list.js';
import { moduleSigCheck, type ModuleSigning, type UnsignedModuleTaint } from './module-signing.js';
import type { ModuleParam } from './params.js';

/** The running kernel as the in-kernel linker sees it: vmlinux's symbols and its configuration. */
export interface KernelImage {
  readonly symbols: KernelSymbolTable;
  /** `moduleSig` is CONFIG_MODULE_SIG: whether the module core checks signatures (see `signing`). */
  readonly config: KernelConfig;
  /** With CONFIG_MODULE_SIG: enforcement and the keys the kernel holds. Default: not enforced, any well-formed signature trusted. */
  readonly signing?: ModuleSigning;
}

export interface ImageLoadOptions {
  /** What the module does when it runs; a real module without one gets the default (init returns 0). */
  readonly behaviour?: ModuleBehaviour;
  /** insmod -f / --force-vermagic / --force-modversion. */
  readonly force?: ForceFlags;
  /** init_module's parameter string: `name=value` words, as insmod joins its arguments. */
  readonly args?: string;
}

/**
 * find_symbol over the running kernel: vmlinux first, then every loaded module's exports in load
 * order, so a new module links against what is loaded now.
 */
export function resolverFor(kernel: KernelImage, modules: () => readonly KernelModule[]): SymbolResolver {
  return {
    lookup(name: string): KernelSymbol | undefined {
      const fromKernel = kernel.symbols.lookup(name);
      if (fromKernel?.owner === VMLINUX) return fromKernel;
      for (const module of modules()) {
        const found = module.load.exports.find((exported) => exported.name === name);
        if (found !== undefined) {
          return { name, address: found.address ?? module.address, gplOnly: found.gplOnly, owner: module.name, ...(found.crc === undefined ? {} : { crc: found.crc }) };
        }
      }
      return undefined;
    },
    isProprietary: (owner) => modules().some((module) => module.name === owner && module.taints.has('PROPRIETARY_MODULE')),
  };
}

/** What preparing an image needs of the kernel: its list of modules, the boot's signature notice, its log. */
export interface ImageLoadContext {
  readonly moduleList: ModuleList;
  readonly unsignedTaint: UnsignedModuleTaint;
  readonly print: (line: string) => void;
}

/**
 * init_module's part before the module joins the list, for a real image: the signature check,
 * the duplicate check, then linking against vmlinux and the modules loaded now.
 */
export function prepareImage(image: ModuleImage, kernel: KernelImage, options: ImageLoadOptions, context: ImageLoadContext): ModuleLoad | Result<undefined> {
  const { moduleList, unsignedTaint, print } = context;
  // module_sig_check comes first of all, before even the duplicate check.
  const signature = kernel.config.moduleSig ? moduleSigCheck(image.elf.bytes.data, options.force ?? {}, kernel.signing ?? {}) : undefined;
  signature?.kernelLog.forEach(print);
  if (signature?.ok === false) return fail(signature.errno, signature.message);
  const unnameable = unnameableModule(image.name);
  if (unnameable !== undefined) return fail('EINVAL', unnameable);
  const duplicate = moduleList.duplicateOf(image.name);
  if (duplicate !== undefined) return duplicate;
  const resolver = resolverFor(kernel, () => moduleList.visible());
  const linked = linkImage(image, kernel, resolver, moduleList.moduleMemory, options, print);
  // The kernel taints (with its notice) once the module has its place in the list: after the
  // checks of its .modinfo, whose lines come first, but before its symbols are resolved. Here
  // that is after linking, so a module then refused for an unknown symbol leaves no 'E' (the
  // kernel's would), and the linker's forced-version warnings come before the notice.
  return signature?.ok === true && !signature.value.sigOk && isModuleLoad(linked) ? unsignedTaint.apply(linked, print) : linked;
}

/**
 * A name rmmod could not give back (kmod reads an argument with '/' or ending in .ko as a path,
 * and '-' as '_'; whitespace cannot be typed as one argument), or one that would forge lsmod's
 * lines or reach the terminal raw (a newline, an escape sequence): refused at load, EINVAL.
 */
export function unnameableModule(name: string): string | undefined {
  const control = Array.from({ length: name.length }, (_, index) => name.charCodeAt(index)).some((code) => code < 0x20 || (code >= 0x7f && code <= 0x9f));
  if (control || /[\s/-]/u.test(name)) return `module name ${JSON.stringify(name)} holds a character rmmod cannot give back ('-', '/', whitespace or a control character)`;
  if (name.endsWith('.ko')) return `module name ${JSON.stringify(name)} ends in .ko, which rmmod reads as a file`;
  return undefined;
}

/** Links an image (load_module's first half); the result is what init_module goes on with, or the refusal. */
export function linkImage(
  image: ModuleImage,
  kernel: KernelImage,
  resolver: SymbolResolver,
  memory: ModuleMemoryAllocator,
  options: ImageLoadOptions,
  log: (line: string) => void,
): ModuleLoad | Failure {
  // The module core checks the signature itself (module_sig_check comes before anything is
  // linked, and its notice is once per boot), so the linker is not asked to look at it again.
  const config = { ...kernel.config, moduleSig: false };
  const linked = linkModule(image, { resolver, kernel: config, memory, ...(options.force === undefined ? {} : { force: options.force }) });
  for (const line of linked.ok ? linked.value.kernelLog : linked.kernelLog) log(line);
  if (!linked.ok) return fail(linked.errno, linked.message);
  return loadOf(image, linked.value, options.behaviour);
}

function loadOf(image: ModuleImage, linked: LinkedModule, behaviour: ModuleBehaviour | undefined): ModuleLoad {
  return {
    name: linked.name,
    coreBytes: linked.coreBytes,
    initBytes: linked.initBytes,
    exports: linked.exports.map((exported) => ({ name: exported.name, gplOnly: exported.gplOnly, address: exported.address, ...(exported.crc === undefined ? {} : { crc: exported.crc }) })),
    imports: linked.imports.map((imported) => imported.name),
    license: image.license ?? '',
    hasInit: linked.initAddress !== undefined,
    hasExit: linked.exitAddress !== undefined,
    taints: linked.taints,
    ...(linked.core[0] === undefined ? {} : { address: linked.core[0].address }),
    ...(behaviour === undefined ? {} : { behaviour }),
    params: declaredParams(image),
  };
}

/** The parameters the image's .modinfo names (parm= or parmtype=), with their types. */
function declaredParams(image: ModuleImage): ModuleParam[] {
  const params = new Map<string, string | undefined>();
  for (const { key, value } of image.modinfo) {
    const colon = value.indexOf(':');
    if ((key !== 'parm' && key !== 'parmtype') || colon < 0) continue;
    const name = value.slice(0, colon);
    if (key === 'parmtype') params.set(name, value.slice(colon + 1));
    else if (!params.has(name)) params.set(name, undefined);
  }
  return [...params].map(([name, type]) => ({ name, type }));
}
