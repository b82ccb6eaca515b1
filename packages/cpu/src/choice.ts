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
  | { readonly kind: 'preempt'; readonly cpu: number; readonly target: number };

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
  }
}

export function sameChoice(a: Choice, b: Choice): boolean {
  return formatChoice(a) === formatChoice(b);
}
