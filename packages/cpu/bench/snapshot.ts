import { measureRate, type BenchmarkLine } from '@kmodsim/bench';
import {
  createMachine, load, rest, schedule, setCurrentState, store, work, Machine,
  type ExecutionContext, type KernelCode, type MachineSnapshot,
} from '@kmodsim/cpu';

const CPUS = 8;
const TABLES = 48;
const TABLE_CELLS = 64;

// cpu.snapshot: a machine after a typical boot, restored from a snapshot, against booting it
// afresh. The boot: a kthread per CPU that starts, notes its CPU and goes to sleep at its rest
// point (as stopper threads and kworkers do), and a boot task that allocates the kernel's tables
// and fills them, then exits. Restoring runs each kthread's body up to its rest point again and
// copies memory; booting runs every step through the machine. The ratio is the time of one
// snapshot and restore against one boot (lower is better).
export function benchSnapshot(): BenchmarkLine {
  const boot = measureRate(() => { bootMachine(); }, 1);
  const booted = bootMachine();
  const copy = measureRate(() => { restoreOf(snapshotOf(booted)); }, 1);
  const snapshot = snapshotOf(booted);
  const restoreOnly = measureRate(() => { restoreOf(snapshot); }, 1);
  return {
    name: 'cpu.snapshot',
    value: round(1e6 / copy.perSecond),
    unit: 'µs per snapshot and restore',
    baseline: round(1e6 / boot.perSecond),
    ratio: round(boot.perSecond / copy.perSecond),
    restoreMicroseconds: round(1e6 / restoreOnly.perSecond),
    bootSteps: booted.stepCount,
    goal: '<= 0.1',
  };
}

/** A kthread: notes where it runs, then sleeps at its rest point until woken (nobody wakes it here). */
function* kthread(self: ExecutionContext, cells: number): KernelCode<void> {
  yield store(cells + self.cpu, self.cpu + 1);
  for (;;) {
    yield rest();
    yield setCurrentState('TASK_INTERRUPTIBLE');
    if ((yield load(cells + CPUS + self.cpu)) === 0) yield schedule();
    yield setCurrentState('TASK_RUNNING');
  }
}

function* bootTask(tables: readonly number[]): KernelCode<void> {
  for (const [index, table] of tables.entries()) {
    for (let cell = 0; cell < TABLE_CELLS; cell++) yield store(table + cell, index * TABLE_CELLS + cell);
    yield work(100, 'init table');
  }
}

function bootMachine(): Machine {
  const created = createMachine({ cpuCount: CPUS, snapshots: true });
  if (!created.ok) throw new Error(created.message);
  const machine = created.value;
  const percpu = machine.alloc('kthread_state', 2 * CPUS, { lineAligned: true }).base;
  const tables = Array.from({ length: TABLES }, (_, index) => machine.alloc(`table${index}`, TABLE_CELLS, { lineAligned: true }).base);
  for (let cpu = 0; cpu < CPUS; cpu++) machine.spawn({ name: `kthread/${cpu}`, cpu, bound: true, daemon: true, body: (self) => kthread(self, percpu) });
  machine.spawn({ name: 'boot', cpu: 0, body: () => bootTask(tables) });
  const result = machine.run();
  if (!result.ok) throw new Error(result.fault.message);
  return machine;
}

function snapshotOf(machine: Machine): MachineSnapshot {
  const taken = machine.snapshot();
  if (!taken.ok) throw new Error(taken.message);
  return taken.value;
}

function restoreOf(snapshot: MachineSnapshot): Machine {
  const restored = Machine.restore(snapshot);
  if (!restored.ok) throw new Error(restored.message);
  return restored.value;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
