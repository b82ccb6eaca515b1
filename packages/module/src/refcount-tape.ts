import { OpCode, type ExecutionContext, type KernelCode, type Operation, type TaskStateName } from '@kmodsim/cpu';

// A module's refcount object (what the strategy's createModule returns) is a host object made by
// kernel code: it allocates the module's counters and returns an object holding their addresses.
// To make it again in another process, from a snapshot in bytes, the tape keeps what that code
// was fed and the context it saw at each step; running it again on the tape, without the
// machine, returns an object equal to the first (a strategy's per-module object keeps its state
// in simulated memory, as the strategy contract asks).

/** The context createModule saw at one resumption. */
interface TapeContext {
  readonly cpu: number;
  readonly preemptCount: number;
  readonly irqsDisabled: boolean;
  readonly taskState: TaskStateName;
}

export interface RefcountTape {
  /** The value each operation it yielded returned, in order. */
  readonly fed: number[];
  /** The context at each resumption: one more than `fed` (the first resumption is fed nothing). */
  readonly contexts: TapeContext[];
  /**
   * The base address of each allocation it made: the strategy's memory for the module, which must
   * not outlive the unload whatever it is called. Not written to bytes: a replay finds it again.
   */
  readonly allocated: number[];
}

export function emptyTape(): RefcountTape {
  return { fed: [], contexts: [], allocated: [] };
}

function isAlloc(op: unknown): boolean {
  return (op as Operation | undefined)?.code === OpCode.Alloc;
}

/** Runs `code` as kernel code, keeping on `tape` what it was fed and saw. */
export function* recordTape<T>(code: KernelCode<T>, self: ExecutionContext, tape: RefcountTape): KernelCode<T> {
  let input = 0;
  for (;;) {
    tape.contexts.push({ cpu: self.cpu, preemptCount: self.preemptCount, irqsDisabled: self.irqsDisabled, taskState: self.taskState });
    const step = code.next(input);
    if (step.done === true) return step.value;
    input = yield step.value;
    tape.fed.push(input);
    if (isAlloc(step.value)) tape.allocated.push(input);
  }
}

/** Runs the code `make` gives again on `tape`, outside any machine; throws when it does not end where the tape does. */
export function replayTape<T>(make: (self: ExecutionContext) => KernelCode<T>, tape: RefcountTape, who: { readonly pid: number; readonly comm: string }): T {
  const context = { pid: who.pid, comm: who.comm, cpu: 0, preemptCount: 0, irqsDisabled: false, inIrq: false, taskState: 'TASK_RUNNING' as TaskStateName };
  const code = make(context);
  for (let index = 0; index < tape.contexts.length; index++) {
    Object.assign(context, tape.contexts[index]);
    const step = code.next(index === 0 ? 0 : (tape.fed[index - 1] ?? 0));
    if (step.done === true) {
      if (index !== tape.contexts.length - 1) throw new Error(`createModule returned after ${index} of the ${tape.fed.length} values it was fed`);
      return step.value;
    }
    if (isAlloc(step.value)) tape.allocated.push(tape.fed[index] ?? 0);
  }
  throw new Error('createModule, run again on its tape, did not return where it had');
}

/** A tape read back from plain data; throws on anything else. */
export function tapeOf(data: unknown): RefcountTape {
  const tape = data as Partial<RefcountTape> | null;
  const fed = tape?.fed;
  const contexts = tape?.contexts;
  if (!Array.isArray(fed) || !fed.every((value) => typeof value === 'number') || !Array.isArray(contexts) || contexts.length !== fed.length + 1) {
    throw new Error('a module\'s refcount tape is not laid out as one');
  }
  return { fed: [...fed] as number[], contexts: contexts.map((context) => ({ ...(context) })), allocated: [] };
}
