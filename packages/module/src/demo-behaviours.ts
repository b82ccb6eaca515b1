import { alloc, atomicAdd, free, load, work } from '@kmodsim/cpu';
import type { ModuleBehaviour, ModuleContext } from './behaviour.js';

// What the project's demo modules do when the simulation runs them. Their .ko files are built
// from the project's own C sources; these behaviours give their functions a body. They live with
// the module core (examples of ModuleBehaviour) so that the scenarios' demo kernel and the
// persistent machine share them without the machine loading the scenario catalogue.

/** A library: exports a counter and notification functions other modules call. */
const demoLib: ModuleBehaviour = {
  *init(context) {
    context.module.variables.set('counter', yield alloc('demo_lib: counter', 1, { lineAligned: true }));
    return 0;
  },
  *exit(context) {
    yield free(variable(context, 'counter'));
  },
  functions: {
    *demo_lib_counter_add(context, delta) {
      return yield atomicAdd(variable(context, 'counter'), delta);
    },
    *demo_lib_counter_read(context) {
      return yield load(variable(context, 'counter'));
    },
    *demo_lib_notify() {
      yield work(50, 'demo_lib_notify');
      return 0;
    },
    *demo_lib_gpl_trace() {
      yield work(30, 'demo_lib_gpl_trace');
      return 0;
    },
  },
};

/** A character device: its open and release are what a user's open(2) and close(2) reach. */
const demoChardev: ModuleBehaviour = {
  *init(context) {
    return yield* context.registerChrdev('demo_chardev');
  },
  *exit(context) {
    yield* context.unregisterChrdev('demo_chardev');
  },
  functions: {
    *open(context) {
      yield* context.callSymbol('demo_lib_counter_add', 1);
      return yield* context.callSymbol('demo_lib_notify', 0);
    },
    *read() {
      yield work(500, 'demo_read');
      return 0;
    },
    *release(context) {
      yield* context.callSymbol('demo_lib_counter_add', -1);
      return 0;
    },
  },
};

/** A filesystem: a mount holds a reference on it until it is unmounted. */
const demoFs: ModuleBehaviour = {
  *init(context) {
    return yield* context.registerFilesystem('demofs');
  },
  *exit(context) {
    yield* context.unregisterFilesystem('demofs');
  },
  functions: {
    *fill_super() {
      yield work(1000, 'demo_fill_super');
      return 0;
    },
    *kill_sb() {
      yield work(500, 'demo_kill_sb');
      return 0;
    },
  },
};

/** A driver whose interrupt handler calls into demo_lib. */
const demoIrq: ModuleBehaviour = {
  *init(context) {
    return yield* context.requestIrq(0, 'demo_irq_handler');
  },
  *exit(context) {
    yield* context.freeIrq(0);
  },
  functions: {
    *demo_irq_handler(context) {
      yield* context.callSymbol('demo_lib_counter_add', 1);
      return yield* context.callSymbol('demo_lib_gpl_trace', 0);
    },
  },
};

function variable(context: ModuleContext, name: string): number {
  const address = context.module.variables.get(name);
  if (address === undefined) throw new Error(`${context.module.name}: variable ${name} used before init set it up`);
  return address;
}

/** Behaviours by module name. */
export const demoBehaviours: Readonly<Record<string, ModuleBehaviour>> = {
  demo_lib: demoLib,
  demo_chardev: demoChardev,
  demo_fs: demoFs,
  demo_irq: demoIrq,
};

