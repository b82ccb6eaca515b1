import type { ExportedSymbol, ModuleLoad } from '../module-load.js';
import { demoBehaviours } from './behaviours.js';

// The demo modules as init_module sees them after linking: their sizes, exports and imports.
// They match the project's C sources for the same modules.

const exported = (name: string, gplOnly = false): ExportedSymbol => ({ name, gplOnly });

/** Symbols of the embedded kernel that the demo modules use. */
export const demoKernelSymbols: readonly ExportedSymbol[] = [
  exported('printk'),
  exported('__register_chrdev'),
  exported('__unregister_chrdev'),
  exported('register_filesystem'),
  exported('unregister_filesystem'),
  exported('request_threaded_irq'),
  exported('free_irq'),
  exported('kmalloc_trace'),
  exported('kfree'),
];

function demo(name: string, coreBytes: number, exports: readonly ExportedSymbol[], imports: readonly string[]): ModuleLoad {
  const behaviour = demoBehaviours[name];
  return {
    name,
    coreBytes,
    initBytes: 4096,
    exports,
    imports,
    license: 'GPL',
    hasInit: true,
    hasExit: true,
    taints: ['OOT_MODULE'],
    ...(behaviour === undefined ? {} : { behaviour }),
  };
}

export const demoModuleLoads: Readonly<Record<string, ModuleLoad>> = {
  demo_lib: demo('demo_lib', 12288, [exported('demo_lib_hello'), exported('demo_lib_count', true)], ['printk', 'kmalloc_trace', 'kfree']),
  demo_chardev: demo('demo_chardev', 16384, [], ['printk', '__register_chrdev', '__unregister_chrdev', 'demo_lib_hello']),
  demo_fs: demo('demo_fs', 20480, [], ['printk', 'register_filesystem', 'unregister_filesystem']),
  demo_irq: demo('demo_irq', 12288, [], ['printk', 'request_threaded_irq', 'free_irq', 'demo_lib_count']),
};
