import { enterCode, exitCode, preemptDisable, preemptEnable, type ExecutionContext, type KernelCode } from '@kmodsim/cpu';
import type { KernelModule, ModuleCore } from '@kmodsim/module';
import { cell } from '../contract.js';
import { defineScenario } from '../scenario.js';
import { unload, unloadConsistent, unloadRecord } from '../users.js';

// A module found by an address inside it rather than through a table its exit clears: kprobes'
// check_kprobe_address_safe() runs __module_text_address() and try_module_get() with preemption
// off, and nothing stops the module from going meanwhile. The get may still be in flight while
// free_module() runs; it must be refused (the module is going), and the module must not be freed
// under it (free_module() unlinks the module and waits for an RCU grace period first).

/** Where the probe goes: an offset into demo_chardev's text. */
const PROBE_OFFSET_BYTES = 0x40n;

/**
 * Looks up the module that holds `address` and pins it, all with preemption off (in an interrupt
 * handler it is off already); returns the module if it was pinned.
 */
function* pinModuleAt(core: ModuleCore, self: ExecutionContext, address: bigint): KernelCode<KernelModule | undefined> {
  yield preemptDisable();
  const found = yield* core.moduleAddress(self, address);
  const pinned = found !== undefined && (yield* core.tryModuleGet(self, found));
  yield preemptEnable();
  return pinned ? found : undefined;
}

/** With the module pinned, writes the probe into its text (text_poke), then lets the module go. */
function* armProbe(core: ModuleCore, self: ExecutionContext, module: KernelModule): KernelCode<void> {
  yield enterCode(module.memory.textBase, `${module.name}: text_poke (arm kprobe)`);
  yield exitCode();
  yield* core.modulePut(self, module);
}

export const moduleAddressVersusUnload = defineScenario(
  'module-address-vs-unload',
  'rmmod (O_NONBLOCK) on CPU 0 while register_kprobe on CPU 1, and an interrupt handler on CPU 0, look up an address in demo_chardev with __module_address() and pin the module with try_module_get, preemption off: no table the exit clears stands between them and free_module, so the get must be refused and the module not freed under them',
  {
    cpuCount: 2, modules: ['demo_lib', 'demo_chardev'], rcuModuleList: true, bounds: { preemptions: 0, irqs: 1 },
    catches: 'a try_module_get granted on a module already going, found by address while free_module runs, and a module freed under a lookup still in flight',
    exercises: [cell('tryGet', 'stop', 'preempt-off'), cell('tryGet', 'before-free', 'preempt-off'), cell('tryGet', 'before-free', 'irq')],
  },
  (machine, core) => {
    const module = core.find('demo_chardev');
    if (module === undefined) throw new Error('the demo kernel has no demo_chardev');
    const probeAddress = module.address + PROBE_OFFSET_BYTES;
    const record = unloadRecord(machine);
    // The interrupt arrives on the unloading CPU, so it can find the module while free_module waits.
    machine.addIrqSource({ name: 'demo_chardev', cpus: [0], limit: 1, handler: function* (self: ExecutionContext): KernelCode<void> {
      const pinned = yield* pinModuleAt(core, self, probeAddress);
      if (pinned !== undefined) yield* armProbe(core, self, pinned);
    } });
    machine.spawn({ name: 'kprobe', cpu: 1, bound: true, body: function* (self) {
      const pinned = yield* pinModuleAt(core, self, probeAddress);
      if (pinned !== undefined) yield* armProbe(core, self, pinned);
    } });
    machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) { yield* unload(core, self, record); } });
    return () => unloadConsistent(core, record);
  },
);
