import { describe, expect, test } from 'vitest';
import { formatChromeTrace, formatFtrace, formatFtraceLine, genericProfile, load, localIrqDisable, localIrqEnable, MemoryTraceSink, preemptDisable, preemptEnable, store } from '@kmodsim/cpu';
import { machineOf } from './helpers.js';
import type { TraceEvent } from '@kmodsim/cpu';

function tracedRun() {
  const sink = new MemoryTraceSink();
  const machine = machineOf({ cpuCount: 2, trace: sink });
  const cell = machine.alloc('refcount', 1).base;
  machine.spawn({ name: 'insmod', cpu: 0, body: function* () {
    yield preemptDisable();
    yield localIrqDisable();
    yield store(cell, 1);
    yield localIrqEnable();
    yield preemptEnable();
  } });
  machine.spawn({ name: 'rmmod', cpu: 1, body: function* () { yield load(cell); } });
  const result = machine.run();
  if (!result.ok) expect.fail(result.fault.message);
  return sink.events;
}

describe('traces', () => {
  test('ftrace text: task-pid, CPU, latency flags, cycle stamp, event', () => {
    const text = formatFtrace(tracedRun(), 2);
    expect(text.startsWith('# tracer: nop\n')).toBe(true);
    expect(text).toContain('#P:2');
    const storeLine = text.split('\n').find((line) => line.includes('store:'));
    expect(storeLine).toMatch(/^\s+insmod-1 \[000\] d\.\.1\s+\d+: store: refcount = 1 \(\w+\)$/);
    const loadLine = text.split('\n').find((line) => line.includes('load:'));
    expect(loadLine).toMatch(/^\s+rmmod-2 \[001\] \.\.\.\.\s+\d+: load: refcount -> \d \(\w+\)$/);
  });

  test('ftrace text merges the CPUs by timestamp, as ftrace merges its per-CPU buffers; equal stamps keep the order they ran in', () => {
    const event = (cpu: number, cycles: number, name: string): TraceEvent => ({ step: 0, cycles, durationCycles: 1, cpu, pid: cpu + 1, comm: 'task', flags: '....', name, detail: '' });
    // As the machine records them: CPU 1 ran ahead in cycles before CPU 0 had its turn.
    const recorded = [event(1, 30, 'a'), event(0, 10, 'b'), event(1, 40, 'c'), event(0, 20, 'd'), event(1, 20, 'e'), event(0, 20, 'f'), event(0, 50, 'g')];
    const lines = formatFtrace(recorded, 2).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toEqual(['b', 'd', 'e', 'f', 'a', 'c', 'g'].map((name) => formatFtraceLine(recorded.find((e) => e.name === name) ?? recorded[0]!)));
    // The caller's events are left in the order they were recorded.
    expect(recorded.map((e) => e.name).join('')).toBe('abcdefg');
  });

  test('tracing off records nothing and changes nothing about the run', () => {
    const silent = machineOf({ cpuCount: 2 });
    const cell = silent.alloc('refcount', 1).base;
    silent.spawn({ name: 'w', body: function* () { yield store(cell, 1); } });
    const result = silent.run();
    expect(result.ok && result.cycles).toBe(genericProfile.cycles.contextSwitch + genericProfile.cycles.memory);
  });

  test('Chrome trace JSON: one named track per CPU, complete events in microseconds', () => {
    const events = tracedRun();
    const parsed = JSON.parse(formatChromeTrace(events, 2, genericProfile.ghz)) as {
      traceEvents: { name: string; ph: string; tid: number; ts?: number; dur?: number; args?: Record<string, unknown> }[];
    };
    const tracks = parsed.traceEvents.filter((event) => event.ph === 'M');
    expect(tracks.map((event) => event.args?.['name'])).toEqual(['CPU 0', 'CPU 1']);
    const steps = parsed.traceEvents.filter((event) => event.ph === 'X');
    expect(steps).toHaveLength(events.length);
    const storeEvent = steps.find((event) => event.name === 'store');
    expect(storeEvent?.tid).toBe(0);
    const source = events.find((event) => event.name === 'store');
    expect(storeEvent?.ts).toBeCloseTo(((source?.cycles ?? 0) - (source?.durationCycles ?? 0)) / (genericProfile.ghz * 1000));
  });
});
