import { describe, expect, it } from 'vitest';
import { CELLS_PER_LINE, runScenario, type ExecutionContext, type Fault, type KernelCode } from '@kmodsim/cpu';
import { definePerCpu, getCpu, localOps, perCpuPtr, putCpu, racySumScenario, smpProcessorId, thisCpuPtr, type PerCpuVar } from '@kmodsim/percpu';
import { cyclesPerInc } from '../bench/local-inc.js';
import { machineOf } from './helpers.js';

describe('per-CPU variables', () => {
  it('give each CPU its own cache line', () => {
    const machine = machineOf({ cpuCount: 8 });
    const counter = definePerCpu(machine, 'counter');
    const lines = new Set(Array.from({ length: 8 }, (_, cpu) => Math.floor(perCpuPtr(counter, cpu) / CELLS_PER_LINE)));
    expect(lines.size).toBe(8);
  });

  it('packed, share lines, and the cost model charges the false sharing', () => {
    const machine = machineOf({ cpuCount: 8 });
    const packed = definePerCpu(machine, 'packed', { packed: true });
    const lines = new Set(Array.from({ length: 8 }, (_, cpu) => Math.floor(perCpuPtr(packed, cpu) / CELLS_PER_LINE)));
    expect(lines.size).toBe(1);
    const separate = cyclesPerInc('native', 4, false);
    const shared = cyclesPerInc('native', 4, true);
    // Apart, each CPU misses once and then hits; packed, every increment pulls the line over.
    expect(shared).toBeGreaterThan(10 * separate);
  });

  it('refuse a CPU the variable has no instance for', () => {
    const machine = machineOf({ cpuCount: 2 });
    const counter = definePerCpu(machine, 'counter');
    expect(() => perCpuPtr(counter, 2)).toThrow('per_cpu_ptr(counter, 2): the variable has instances for CPUs 0-1');
  });
});

describe('summing a per-CPU counter while writers run', () => {
  it('can read 0 while a reference is held: a schedule shows it, found the same way every time', () => {
    const search = (): { seed: number; message: string } | undefined => {
      for (let seed = 1; seed <= 2000; seed++) {
        const run = runScenario(racySumScenario(), { cpuCount: 3, schedule: `kms1:random:${seed}` });
        if (!run.ok) expect.fail(run.message);
        if (run.value.fault !== undefined) return { seed, message: run.value.fault.message };
      }
      return undefined;
    };
    const found = search();
    expect(found?.message).toMatch(/^the per-CPU sum read 0 while at least one reference was held throughout/);
    expect(search()).toEqual(found);
  });
});

describe('misuse, as CONFIG_DEBUG_PREEMPT reports it', () => {
  /** Runs one task's body as a scenario; returns its fault, which carries the trace. */
  function faultOf(name: string, body: (self: ExecutionContext, counter: PerCpuVar) => KernelCode<void>): Fault {
    const run = runScenario(
      { name, description: name, setup(machine) {
        const counter = definePerCpu(machine, 'counter');
        machine.spawn({ name, cpu: 0, body: (self) => body(self, counter) });
        return undefined;
      } },
      { cpuCount: 2, schedule: 'kms1:rr' },
    );
    if (!run.ok) expect.fail(run.message);
    if (run.value.fault === undefined) expect.fail('the misuse was not caught');
    expect(run.value.fault.trace.at(-1)?.name).toBe('fault');
    return run.value.fault;
  }

  it('this-CPU access with preemption on is a fault naming the task, with the trace', () => {
    const fault = faultOf('careless', function* (self, counter) {
      yield* localOps('native').inc(yield* thisCpuPtr(self, counter));
    });
    expect(fault.message).toMatch(/^BUG: using this_cpu_ptr\(counter\) in preemptible \[00000000\] code: careless\/\d+$/);
  });

  it('smp_processor_id() with preemption on is a fault too', () => {
    const fault = faultOf('careless', function* (self) {
      yield* smpProcessorId(self);
    });
    expect(fault.message).toMatch(/^BUG: using smp_processor_id\(\) in preemptible \[00000000\] code: careless\/\d+$/);
  });

  it('put_cpu without get_cpu is a fault, with the trace', () => {
    const fault = faultOf('unbalanced', function* (self) {
      yield* getCpu(self);
      yield* putCpu(self);
      yield* putCpu(self);
    });
    expect(fault.message).toMatch(/^BUG: put_cpu\(\) without get_cpu\(\) in unbalanced\/\d+/);
  });

  it('this-CPU access inside get_cpu/put_cpu or an interrupt handler is fine', () => {
    const run = runScenario(
      { name: 'pinned', description: 'pinned access', setup(machine) {
        const counter = definePerCpu(machine, 'counter');
        machine.addIrqSource({ name: 'tick', limit: 3, handler: function* (self) {
          yield* localOps('native').inc(yield* thisCpuPtr(self, counter));
        } });
        machine.spawn({ name: 'careful', body: function* (self) {
          for (let i = 0; i < 5; i++) {
            yield* getCpu(self);
            yield* localOps('native').inc(yield* thisCpuPtr(self, counter));
            yield* putCpu(self);
          }
        } });
        return undefined;
      } },
      { cpuCount: 2, schedule: 'kms1:random:4:irq=0.5' },
    );
    if (!run.ok) expect.fail(run.message);
    expect(run.value.fault).toBeUndefined();
  });
});
