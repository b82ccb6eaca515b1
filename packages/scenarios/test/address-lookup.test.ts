import { describe, expect, test } from 'vitest';
import { preemptDisable, preemptEnable, type ExecutionContext, type KernelCode, type Machine } from '@kmodsim/cpu';
import { explore } from '@kmodsim/explore';
import type { ModuleCore } from '@kmodsim/module';
import { globalSpinlock } from '@kmodsim/refcount';
import { bootDemoKernel } from '../src/index.js';
import { unload, unloadRecord } from '../src/users.js';

// A module looked up by an address inside it (__module_address() under preempt_disable, then
// try_module_get) while it is unloaded: the get is refused once the module is going, and
// free_module() does not free the module until the lookup's section has ended.

interface ReaderSeen {
  /** found: the lookup returned the module; pinned: try_module_get granted; freedInSection: it was freed before preempt_enable. */
  found: boolean;
  pinned: boolean;
  goingWhenRefused: boolean;
  freedInSection: boolean;
  /** The reader's section ended: a run the search stopped part-way leaves a view half made. */
  whole: boolean;
}

/** rmmod on CPU 0 against a reader on CPU 1 that looks demo_chardev up by address; each execution's view goes to `seen`. */
function lookupAgainstUnload(seen: ReaderSeen[]) {
  return {
    name: 'lookup-by-address-vs-unload',
    description: 'a lookup by address and try_module_get, preemption off, against rmmod',
    setup: (machine: Machine) => {
      const core: ModuleCore = bootDemoKernel(machine, { strategy: globalSpinlock, modules: ['demo_lib', 'demo_chardev'], rcuModuleList: true });
      const module = core.find('demo_chardev');
      if (module === undefined) throw new Error('demo_chardev did not load');
      const record = unloadRecord(machine);
      machine.spawn({ name: 'reader', cpu: 1, bound: true, body: function* (self) {
        yield preemptDisable();
        // One view per execution, made once the reader runs (the search sets the scenario up once).
        const view: ReaderSeen = { found: false, pinned: false, goingWhenRefused: false, freedInSection: false, whole: false };
        seen.push(view);
        const found = yield* core.moduleAddress(self, module.address + 8n);
        view.found = found === module;
        if (found !== undefined) {
          view.pinned = yield* core.tryModuleGet(self, found);
          view.goingWhenRefused = !view.pinned && machine.read(found.cells.live) === 0;
        }
        view.freedInSection = found !== undefined && module.freed;
        yield preemptEnable();
        view.whole = true;
        if (found !== undefined && view.pinned) yield* core.modulePut(self, found);
      } });
      machine.spawn({ name: 'rmmod', cpu: 0, bound: true, body: function* (self) { yield* unload(core, self, record); } });
      return () => undefined;
    },
  };
}

/** A kernel with demo_chardev loaded and one task, `reader`, that runs `body` on an address inside it. */
function oneTask(name: string, body: (core: ModuleCore, self: ExecutionContext, address: bigint) => KernelCode, rcuModuleList = true) {
  return {
    name,
    description: name,
    setup: (machine: Machine) => {
      const core = bootDemoKernel(machine, { strategy: globalSpinlock, modules: ['demo_lib', 'demo_chardev'], rcuModuleList });
      const module = core.find('demo_chardev');
      if (module === undefined) throw new Error('demo_chardev did not load');
      machine.spawn({ name: 'reader', cpu: 0, body: function* (self) { yield* body(core, self, module.address); } });
      return () => undefined;
    },
  };
}

describe('looking a module up by address while it is unloaded', () => {
  test('a reader that finds the module is refused once it is going, and the module outlives the reader\'s section', () => {
    const views: ReaderSeen[] = [];
    const report = explore({ scenario: lookupAgainstUnload(views), cpuCount: 2 }, { preemptions: 1, irqs: 0, stopAtFirstViolation: false });
    const seen = views.filter((view) => view.whole);
    expect(report.violations).toEqual([]);
    expect(report.counts.exhausted).toBe(true);
    // Both outcomes of the race happen: pinned while live, and found but refused as it goes.
    expect(seen.some((view) => view.found && view.pinned)).toBe(true);
    expect(seen.some((view) => view.found && !view.pinned)).toBe(true);
    expect(seen.filter((view) => view.found && !view.pinned).every((view) => view.goingWhenRefused)).toBe(true);
    expect(seen.some((view) => view.freedInSection)).toBe(false);
  });

  test('a lookup with preemption on is reported, as module_assert_mutex_or_preempt() does', () => {
    const report = explore({ scenario: oneTask('preemptible-lookup', (core, self, address) => core.moduleAddress(self, address)), cpuCount: 1 }, { preemptions: 0, irqs: 0 });
    expect(report.violations[0]?.message).toMatch(/__module_address\(\) called by reader\/\d+ with preemption on/);
  });

  test('a kernel booted without rcuModuleList cannot look modules up by address', () => {
    const scenario = oneTask('no-module-list', (core, self, address) => core.moduleAddress(self, address), false);
    const report = explore({ scenario, cpuCount: 1 }, { preemptions: 0, irqs: 0 });
    expect(report.violations[0]?.message).toMatch(/booted without rcuModuleList: it cannot look modules up by address/);
  });
});
