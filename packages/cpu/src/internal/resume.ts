import { EXIT_TASK, OpCode, type Operation } from '../ops.js';
import { IrqFrame, Task, type Frame } from '../task.js';
import type { MachineCore } from './core.js';
import { raise } from './faults.js';
import { returnFromIrq } from './interrupts.js';

// Resuming a frame's generator: the last part of every step, and of every dispatch and
// interrupt entry. Most resumptions of most runs are of a body with no replay log on a machine
// with no store buffers; they take a path of their own, small enough that V8 inlines it (with the
// load or store before it) into one piece of the step loop. The others take advanceWatched.

/**
 * Resumes the frame's generator with `value`; what it yields is its next operation. A rest
 * marker takes no step: the body goes on at once (see ops.ts's rest()).
 */
export function advance(core: MachineCore, cpu: number, frame: Frame, value: number): void {
  if (frame.log !== undefined || core.tso) {
    advanceWatched(core, cpu, frame, value);
    return;
  }
  let input = value;
  for (;;) {
    let step: IteratorResult<Operation, unknown>;
    try {
      step = frame.generator.next(input);
    } catch (error) {
      bodyThrew(core, cpu, frame, error);
      return;
    }
    if (step.done === true) {
      bodyReturned(core, cpu, frame, step.value);
      return;
    }
    // A body that yields something other than an operation is told so when it is performed.
    if ((step.value as Operation | undefined)?.code !== OpCode.Rest) {
      frame.next = step.value;
      return;
    }
    input = 0;
  }
}

/**
 * advance() for a task that keeps a replay log (its host reads are logged with it, and what it
 * is fed and yields), or on a machine with store buffers (host reads see the CPU's own buffer).
 */
function advanceWatched(core: MachineCore, cpu: number, frame: Frame, value: number): void {
  const log = frame.log;
  if (log !== undefined) log.record(value);
  let input = value;
  for (;;) {
    let step: IteratorResult<Operation, unknown>;
    // Only a task keeping a log has its host reads logged: no stores on the step loop otherwise.
    if (log !== undefined) core.readLog = log;
    if (core.tso) core.bodyCpu = cpu;
    try {
      step = frame.generator.next(input);
    } catch (error) {
      if (log !== undefined) core.readLog = undefined;
      core.bodyCpu = -1;
      bodyThrew(core, cpu, frame, error);
      return;
    }
    if (log !== undefined) core.readLog = undefined;
    if (core.tso) core.bodyCpu = -1;
    if (step.done === true) {
      bodyReturned(core, cpu, frame, step.value);
      return;
    }
    const op = step.value;
    // A body that yields something other than an operation is told so when it is performed.
    const code = (op as Operation | undefined)?.code;
    if (code === OpCode.Rest) {
      // The body rested: its log goes back to its rest point and it goes on, with 0, at once.
      if (log !== undefined) log.rest();
      input = 0;
      continue;
    }
    if (log !== undefined) log.yielded(code ?? -1);
    frame.next = op;
    return;
  }
}

function bodyThrew(core: MachineCore, cpu: number, frame: Frame, error: unknown): void {
  frame.next = undefined;
  raise(core, 'exception', `${frame.comm}-${frame.pid} threw: ${errorText(error)}`, cpu, frame);
}

function bodyReturned(core: MachineCore, cpu: number, frame: Frame, value: unknown): void {
  if (frame instanceof Task) {
    // Exiting is a step of its own (do_exit), so it interleaves with other CPUs like any other.
    frame.exitValue = value;
    frame.next = EXIT_TASK;
    return;
  }
  frame.next = undefined;
  if (frame instanceof IrqFrame) returnFromIrq(core, cpu, frame);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
