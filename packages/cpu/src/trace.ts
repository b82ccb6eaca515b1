// Tracing is off by default and costs one branch per step when off. When on, the machine hands
// each event to a sink; the sinks here render ftrace's text format and Chrome's trace-event JSON
// (which Perfetto opens), one track per CPU.

export interface TraceEvent {
  /** The number of the machine step this event belongs to (1 for the first). */
  readonly step: number;
  /** Cycle count on the event's CPU after the step. */
  readonly cycles: number;
  /** Cycles the step took. */
  readonly durationCycles: number;
  readonly cpu: number;
  readonly pid: number;
  readonly comm: string;
  /** ftrace's latency flags: irqs-off 'd', need-resched 'N', hardirq 'h', preempt depth. */
  readonly flags: string;
  /** Event name, as ftrace's tracepoints name them where one exists (sched_switch, irq_handler_entry). */
  readonly name: string;
  readonly detail: string;
}

export interface TraceSink {
  event(event: TraceEvent): void;
}

/** Keeps every event in memory; faults carry these. */
export class MemoryTraceSink implements TraceSink {
  readonly events: TraceEvent[] = [];

  event(event: TraceEvent): void {
    this.events.push(event);
  }
}

/** One line in ftrace's layout: `task-pid [cpu] flags timestamp: event: detail`. */
export function formatFtraceLine(event: TraceEvent): string {
  const task = `${event.comm}-${event.pid}`.padStart(22);
  const cpu = String(event.cpu).padStart(3, '0');
  const stamp = String(event.cycles).padStart(12);
  const detail = event.detail === '' ? '' : ` ${event.detail}`;
  return `${task} [${cpu}] ${event.flags} ${stamp}: ${event.name}:${detail}`;
}

/**
 * The whole trace as ftrace prints it with `trace_clock` set to a cycle counter (x86-tsc): a
 * header explaining the columns, then one line per event, every CPU's merged by timestamp as
 * ftrace's `trace` file merges its per-CPU buffers.
 */
export function formatFtrace(events: readonly TraceEvent[], cpuCount: number): string {
  const header = [
    '# tracer: nop',
    '#',
    `# entries-in-buffer/entries-written: ${events.length}/${events.length}   #P:${cpuCount}`,
    '#',
    '#                                  _----=> irqs-off',
    '#                                 / _---=> need-resched',
    '#                                | / _--=> hardirq',
    '#                                || / _-=> preempt-depth',
    '#                                ||| /',
    '#                  TASK-PID CPU# ||||       CYCLES  EVENT',
    '#                     | |    |   ||||          |      |',
  ];
  return `${[...header, ...inTimestampOrder(events).map(formatFtraceLine)].join('\n')}\n`;
}

/**
 * The events by timestamp. The machine records them in the order it runs steps, and each CPU's
 * cycle counter runs on its own, so in that order one CPU's later cycles often come before
 * another's earlier ones. Equal timestamps keep the machine's order, the order they happened in
 * (Array.prototype.sort is stable); ftrace, which cannot know it, puts the lower CPU first. The
 * Chrome JSON needs none of this: each event carries its start and duration on its CPU's track.
 */
function inTimestampOrder(events: readonly TraceEvent[]): TraceEvent[] {
  return [...events].sort((a, b) => a.cycles - b.cycles);
}

interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Readonly<Record<string, string | number>>;
}

/**
 * Chrome trace-event JSON: each step is a complete event on its CPU's track, timed in
 * microseconds at the machine's clock rate.
 */
export function formatChromeTrace(events: readonly TraceEvent[], cpuCount: number, ghz: number): string {
  const cyclesPerMicrosecond = ghz * 1000;
  const tracks: ChromeTraceEvent[] = [];
  for (let cpu = 0; cpu < cpuCount; cpu++) {
    tracks.push({ name: 'thread_name', ph: 'M', pid: 1, tid: cpu, args: { name: `CPU ${cpu}` } });
  }
  const steps = events.map((event): ChromeTraceEvent => ({
    name: event.name,
    cat: event.flags.includes('h') ? 'irq' : 'task',
    ph: 'X',
    pid: 1,
    tid: event.cpu,
    ts: (event.cycles - event.durationCycles) / cyclesPerMicrosecond,
    dur: Math.max(event.durationCycles, 0) / cyclesPerMicrosecond,
    args: { task: `${event.comm}-${event.pid}`, detail: event.detail, flags: event.flags, cycles: event.cycles },
  }));
  return JSON.stringify({ displayTimeUnit: 'ns', traceEvents: [...tracks, ...steps] });
}
