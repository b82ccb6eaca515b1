import { TIME_PASSES, type Choice } from '../choice.js';

// The record of a run's choices, kept as integers in typed arrays: recording is on for every
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

/**
 * Words per chunk. The log is a list of chunks rather than one array that doubles: a run of
 * 100,000 steps doubled its array seven times, copying each word about twice. Fresh memory is
 * what the log costs most: on a virtual machine the operating system faults in and zeroes each
 * new page, and a log that (wrongly) wrote one chunk over and over ran bench/steps.ts a fifth
 * faster, measured with perf and in CPU time; chunks instead of doubling saved 8%. A chunk is
 * filled once and never copied, and a log loaded again (a model checker's rewind, many times a
 * second) fills the chunks it has instead of allocating new ones.
 */
const CHUNK_WORDS = 4096;

export class ChoiceLog {
  /** The words before the current chunk, oldest first: loaded words, then chunks filled since. Never written again. */
  private readonly filled: Int32Array[] = [];
  /** The chunks this log allocated, in the order it fills them. */
  private readonly owned: Int32Array[];
  /** Which of them is being filled. */
  private current = 0;
  private words: Int32Array;
  /** Words used in `words`. */
  private used = 0;

  constructor() {
    this.words = new Int32Array(CHUNK_WORDS);
    this.owned = [this.words];
  }

  /** The common case, kept small so the step loop can inline it. */
  pushStep(cpu: number): void {
    if (this.used === CHUNK_WORDS) this.nextChunk();
    this.words[this.used++] = cpu * 4;
  }

  push(choice: Choice): void {
    // A choice's words stay in one chunk, so that each chunk reads back on its own.
    if (this.used + 2 > CHUNK_WORDS) this.nextChunk();
    const words = this.words;
    switch (choice.kind) {
      case 'step':
        words[this.used++] = choice.cpu * 4 + STEP;
        return;
      case 'irq':
        words[this.used++] = choice.cpu * 4 + IRQ;
        words[this.used++] = choice.source;
        return;
      case 'ipi':
        words[this.used++] = choice.cpu * 4 + IPI;
        return;
      case 'preempt':
        words[this.used++] = choice.cpu * 4 + PREEMPT;
        words[this.used++] = choice.target;
        return;
      case 'time':
        words[this.used++] = TIME;
        return;
      case 'flush':
        words[this.used++] = FLUSH - choice.cpu;
        return;
      case 'stale':
        words[this.used++] = STALE - choice.cpu;
        return;
    }
  }

  /** The log's words, copied into one array. */
  save(): Int32Array {
    let length = this.used;
    for (const chunk of this.filled) length += chunk.length;
    const saved = new Int32Array(length);
    let offset = 0;
    for (const chunk of this.filled) {
      saved.set(chunk, offset);
      offset += chunk.length;
    }
    saved.set(this.words.subarray(0, this.used), offset);
    return saved;
  }

  /**
   * Takes on saved words in place of what it holds. They are kept as they are, uncopied: the log
   * never writes what it has filled, and a snapshot's words are not changed by anyone.
   */
  load(words: Int32Array): void {
    this.filled.length = 0;
    if (words.length > 0) this.filled.push(words);
    this.current = 0;
    this.words = this.owned[0] ?? this.words;
    this.used = 0;
  }

  toChoices(): Choice[] {
    const choices: Choice[] = [];
    for (const chunk of this.filled) readChoices(chunk, choices);
    readChoices(this.words.subarray(0, this.used), choices);
    return choices;
  }

  private nextChunk(): void {
    this.filled.push(this.words.subarray(0, this.used));
    this.current++;
    let next = this.owned[this.current];
    if (next === undefined) {
      next = new Int32Array(CHUNK_WORDS);
      this.owned.push(next);
    }
    this.words = next;
    this.used = 0;
  }
}

/** Appends the choices `words` hold to `choices`. */
function readChoices(words: Int32Array, choices: Choice[]): void {
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? 0;
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
        choices.push({ kind: 'irq', cpu, source: words[++index] ?? 0 });
        break;
      case IPI:
        choices.push({ kind: 'ipi', cpu });
        break;
      default:
        choices.push({ kind: 'preempt', cpu, target: words[++index] ?? 0 });
    }
  }
}
