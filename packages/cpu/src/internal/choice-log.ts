import { TIME_PASSES, type Choice } from '../choice.js';
import { growInt32 } from './growable.js';

// The record of a run's choices, kept as integers in a typed array: recording is on for every
// run (a failing run must print what reproduces it), so it must cost next to nothing.
// A step is `cpu * 4`; the other kinds take a second word (IRQ source, preemption target),
// except time passing, which is -1, a store buffer's flush on CPU c, which is -2 - c, and a
// stale load on CPU c, which is STALE - c.

const STEP = 0;
const IRQ = 1;
const IPI = 2;
const PREEMPT = 3;
/** Time passing has no CPU: the one negative word. */
const TIME = -1;
/** A flush of CPU c's store buffer: -2 - c. */
const FLUSH = -2;
/** A stale load on CPU c: STALE - c, below every flush's word. */
const STALE = -2 - 2 ** 20;

export class ChoiceLog {
  private words = new Int32Array(1024);
  private length = 0;

  /** The common case, kept small so the step loop can inline it. */
  pushStep(cpu: number): void {
    if (this.length === this.words.length) this.words = growInt32(this.words, this.length + 1, 0);
    this.words[this.length++] = cpu * 4;
  }

  push(choice: Choice): void {
    if (this.length + 2 > this.words.length) this.words = growInt32(this.words, this.length + 2, 0);
    const words = this.words;
    switch (choice.kind) {
      case 'step':
        words[this.length++] = choice.cpu * 4 + STEP;
        return;
      case 'irq':
        words[this.length++] = choice.cpu * 4 + IRQ;
        words[this.length++] = choice.source;
        return;
      case 'ipi':
        words[this.length++] = choice.cpu * 4 + IPI;
        return;
      case 'preempt':
        words[this.length++] = choice.cpu * 4 + PREEMPT;
        words[this.length++] = choice.target;
        return;
      case 'time':
        words[this.length++] = TIME;
        return;
      case 'flush':
        words[this.length++] = FLUSH - choice.cpu;
        return;
      case 'stale':
        words[this.length++] = STALE - choice.cpu;
        return;
    }
  }

  /** The log's words, copied. */
  save(): Int32Array {
    return this.words.slice(0, this.length);
  }

  /** Takes on saved words in place of what it holds. */
  load(words: Int32Array): void {
    if (this.words.length >= words.length) this.words.set(words);
    else this.words = growInt32(Int32Array.from(words), 1024, 0);
    this.length = words.length;
  }

  toChoices(): Choice[] {
    const choices: Choice[] = [];
    for (let index = 0; index < this.length; index++) {
      const word = this.words[index] ?? 0;
      if (word === TIME) {
        choices.push(TIME_PASSES);
        continue;
      }
      if (word < 0) {
        choices.push(word > STALE ? { kind: 'flush', cpu: FLUSH - word } : { kind: 'stale', cpu: STALE - word });
        continue;
      }
      const cpu = word >> 2;
      switch (word & 3) {
        case STEP:
          choices.push({ kind: 'step', cpu });
          break;
        case IRQ:
          choices.push({ kind: 'irq', cpu, source: this.words[++index] ?? 0 });
          break;
        case IPI:
          choices.push({ kind: 'ipi', cpu });
          break;
        default:
          choices.push({ kind: 'preempt', cpu, target: this.words[++index] ?? 0 });
      }
    }
    return choices;
  }
}
