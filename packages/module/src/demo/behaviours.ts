import { alloc, atomicInc, free, work } from '@kmodsim/cpu';
import type { ModuleBehaviour, ModuleContext } from '../behaviour.js';

// What the project's demo modules do when the simulation runs them. Their .ko files are built
// from the project's own C sources; these behaviours give their functions a body.

/** A library: exports a greeting and a counter other modules call. */
const demoLib: ModuleBehaviour = {
  *init(context) {
    context.module.variables.set('hits', yield alloc('demo_lib: hits', 1, { lineAligned: true }));
    return 0;
  },
  *exit(context) {
    yield free(variable(context, 'hits'));
  },
  functions: {
    *demo_lib_hello() {
      yield work(50, 'demo_lib_hello');
      return 0;
    },
    *demo_lib_count(context) {
      return yield atomicInc(variable(context, 'hits'));
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
      return yield* context.callSymbol('demo_lib_hello', 0);
    },
    *read() {
      yield work(500, 'demo_read');
      return 0;
    },
    *release() {
      yield work(50, 'demo_release');
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
      return yield* context.callSymbol('demo_lib_count', 0);
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

