// A choice is one decision a scheduler makes at one point of a run. Everything that can happen
// next on the machine is one of these; the explorer enumerates them, schedulers pick them, and a
// schedule string is the list of them.

export type Choice =
  /** CPU `cpu` performs its next operation (or, when idle, switches to the next task on its run queue). */
  | { readonly kind: 'step'; readonly cpu: number }
  /** Interrupt source `source` fires on `cpu`. */
  | { readonly kind: 'irq'; readonly cpu: number; readonly source: number }
  /** The oldest pending inter-processor interrupt is taken by `cpu`. */
  | { readonly kind: 'ipi'; readonly cpu: number }
  /** The task on `cpu` is preempted and queued on `target`'s run queue (another CPU: migration). */
  | { readonly kind: 'preempt'; readonly cpu: number; readonly target: number }
  /**
   * Time passes to the earliest pending timer, which fires (`cpu` is -1: no CPU steps). The
   * explorer makes this choice when every CPU that could run spins and nothing else can happen:
   * the spinning steps, which change nothing, are left out of the schedule.
   */
  | { readonly kind: 'time'; readonly cpu: -1 }
  /** Under the 'tso' and 'relaxed' memory models: the oldest store in `cpu`'s store buffer becomes visible to every CPU. */
  | { readonly kind: 'flush'; readonly cpu: number }
  /**
   * Under the 'relaxed' memory model: CPU `cpu` performs its next operation, a load, reading the
   * older value it still holds of the cell (a stale copy) instead of memory's.
   */
  | { readonly kind: 'stale'; readonly cpu: number };

/** The one `time` choice. */
export const TIME_PASSES: Choice = { kind: 'time', cpu: -1 };

export function formatChoice(choice: Choice): string {
  switch (choice.kind) {
    case 'step':
      return String(choice.cpu);
    case 'irq':
      return `i${choice.cpu}.${choice.source}`;
    case 'ipi':
      return `x${choice.cpu}`;
    case 'preempt':
      return `p${choice.cpu}>${choice.target}`;
    case 'time':
      return 't';
    case 'flush':
      return `f${choice.cpu}`;
    case 'stale':
      return `s${choice.cpu}`;
  }
}

export function sameChoice(a: Choice, b: Choice): boolean {
  return formatChoice(a) === formatChoice(b);
}
