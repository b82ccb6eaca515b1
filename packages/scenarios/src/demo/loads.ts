import type { ExportedSymbol, ModuleLoad } from '@kmodsim/module';
import { demoBehaviours } from '@kmodsim/module';

// The demo modules as init_module sees them after linking: their sizes, exports and imports.
// They match the project's C sources for the same modules.

const exported = (name: string, gplOnly = false): ExportedSymbol => ({ name, gplOnly });

/** Symbols of the embedded kernel that the demo modules use (its Module.symvers, vmlinux part). */
export const demoKernelSymbols: readonly ExportedSymbol[] = [
  exported('module_layout'),
  exported('_printk'),
  exported('__kmalloc'),
  exported('kfree'),
  exported('__register_chrdev'),
  exported('__unregister_chrdev'),
  exported('register_filesystem'),
  exported('unregister_filesystem'),
  exported('request_threaded_irq'),
  exported('free_irq'),
  exported('try_module_get'),
  exported('module_put'),
  exported('jiffies'),
  exported('__class_create', true),
  exported('class_destroy', true),
];

function demo(name: string, license: string, coreBytes: number, exports: readonly ExportedSymbol[], imports: readonly string[]): ModuleLoad {
  const behaviour = demoBehaviours[name];
  return {
    name,
    coreBytes,
    initBytes: 4096,
    exports,
    imports,
    license,
    hasInit: true,
    hasExit: true,
    ...(behaviour === undefined ? {} : { behaviour }),
  };
}

/** As linking the demo .ko files against the embedded kernel gives them (a test checks it). */
export const demoModuleLoads: Readonly<Record<string, ModuleLoad>> = {
  demo_lib: demo('demo_lib', 'GPL', 16384, [exported('demo_lib_counter_add'), exported('demo_lib_counter_read'), exported('demo_lib_notify'), exported('demo_lib_gpl_trace', true)], ['_printk']),
  demo_chardev: demo('demo_chardev', 'GPL', 12288, [], ['__register_chrdev', 'demo_lib_counter_add', 'module_put', 'try_module_get', 'demo_lib_notify', '__unregister_chrdev']),
  demo_fs: demo('demo_fs', 'GPL', 12288, [], ['register_filesystem', 'kfree', 'module_put', 'unregister_filesystem', 'try_module_get', '__kmalloc']),
  demo_irq: demo('demo_irq', 'GPL v2', 12288, [], ['request_threaded_irq', 'jiffies', 'demo_lib_counter_add', 'demo_lib_gpl_trace', 'free_irq']),
};
