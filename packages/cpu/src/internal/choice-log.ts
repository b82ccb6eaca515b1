import { TIME_PASSES, type Choice } from '../choice.js';

// The record of a run's choices: recording is on for every run (a failing run must print what
// reproduces it), so it must cost next to nothing.
//
// A choice is one or two integer words: a step is `cpu * 4`; the other kinds take a second word
// (IRQ source, preemption target), except time passing, which is -1, a store buffer's flush on
// CPU c, which is -2 - c, and a stale load on CPU c, which is STALE - c. Snapshots hold these
// words (save, load).
//
// The log keeps them as bytes: a step on CPU c below 128 is the one byte c, on a higher CPU (a
// machine has at most 1024) the two bytes 0x80 | c >> 8 and c & 0xff, any other word the byte
// ESCAPE and its four bytes. Fresh memory is what the log costs most: on a virtual
// machine the operating system faults in and zeroes each new page, and at four bytes a step the
// log's new pages cost bench/steps.ts a fifth of its rate (measured in CPU time, with a log that
// wrongly wrote one chunk over and over); a byte a step is a quarter of those pages.

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

/** Steps on CPUs below this are one byte; from here up to TWO_BYTE_END, two bytes. */
const TWO_BYTE_STEP = 0x80;
const TWO_BYTE_END = 0xc0;
const ESCAPE = 0xff;
/** Bytes an escaped word takes. */
const WORD_BYTES = 5;

/**
 * Bytes per chunk. The log is a list of chunks rather than one array that doubles: a long run
 * doubled its array again and again, copying each byte about twice. A chunk is filled once and
 * never copied, and a log loaded again (a model checker's rewind, many times a second) fills the
 * chunks it has instead of allocating new ones.
 */
const CHUNK_BYTES = 16384;

export class ChoiceLog {
  /** Words a snapshot held when it was loaded: the choices before the chunks'. Never written. */
  private loaded: Int32Array = new Int32Array(0);
  /** The chunks this log allocated, in the order it fills them; those before `current` are full up to their `ends`. */
  private readonly owned: Uint8Array[];
  /** Where each filled chunk's bytes end (a choice's bytes never straddle two chunks). */
  private readonly ends: number[] = [];
  /** Which chunk is being filled. */
  private current = 0;
  private bytes: Uint8Array;
  /** Bytes used in `bytes`. */
  private used = 0;
  /** Words the chunks hold. */
  private words = 0;

  constructor() {
    this.bytes = new Uint8Array(CHUNK_BYTES);
    this.owned = [this.bytes];
  }

  /** The common case, kept small so the step loop can inline it. */
  pushStep(cpu: number): void {
    if (cpu >= TWO_BYTE_STEP) {
      this.pushWideStep(cpu);
      return;
    }
    if (this.used === CHUNK_BYTES) this.nextChunk();
    this.bytes[this.used++] = cpu;
    this.words++;
  }

  push(choice: Choice): void {
    switch (choice.kind) {
      case 'step':
        this.pushStep(choice.cpu);
        return;
      case 'irq':
        this.pushWords(choice.cpu * 4 + IRQ, 2, choice.source);
        return;
      case 'ipi':
        this.pushWords(choice.cpu * 4 + IPI, 1, 0);
        return;
      case 'preempt':
        this.pushWords(choice.cpu * 4 + PREEMPT, 2, choice.target);
        return;
      case 'time':
        this.pushWords(TIME, 1, 0);
        return;
      case 'flush':
        this.pushWords(FLUSH - choice.cpu, 1, 0);
        return;
      case 'stale':
        this.pushWords(STALE - choice.cpu, 1, 0);
        return;
    }
  }

  /** The log's words, in one array. */
  save(): Int32Array {
    const saved = new Int32Array(this.loaded.length + this.words);
    saved.set(this.loaded);
    let offset = this.loaded.length;
    this.forEachChunk((chunk) => { offset = decodeWords(chunk, saved, offset); });
    return saved;
  }

  /**
   * Takes on saved words in place of what it holds. They are kept as they are, uncopied: the log
   * never writes them, and a snapshot's words are not changed by anyone.
   */
  load(words: Int32Array): void {
    this.loaded = words;
    this.ends.length = 0;
    this.current = 0;
    this.bytes = this.owned[0] ?? this.bytes;
    this.used = 0;
    this.words = 0;
  }

  toChoices(): Choice[] {
    const choices: Choice[] = [];
    readChoices(this.loaded, choices);
    const words = new Int32Array(this.words);
    let offset = 0;
    this.forEachChunk((chunk) => { offset = decodeWords(chunk, words, offset); });
    readChoices(words, choices);
    return choices;
  }

  /** A step on CPU 128 or above: two bytes, in one chunk. */
  private pushWideStep(cpu: number): void {
    if (this.used > CHUNK_BYTES - 2) this.nextChunk();
    this.bytes[this.used++] = TWO_BYTE_STEP | (cpu >>> 8);
    this.bytes[this.used++] = cpu & 0xff;
    this.words++;
  }

  /** Words other than a step's: each escaped; a choice's bytes stay in one chunk, so that each chunk reads back on its own. */
  private pushWords(first: number, count: number, second: number): void {
    if (this.used + count * WORD_BYTES > CHUNK_BYTES) this.nextChunk();
    this.putWord(first);
    if (count === 2) this.putWord(second);
    this.words += count;
  }

  private putWord(word: number): void {
    const bytes = this.bytes;
    let at = this.used;
    bytes[at++] = ESCAPE;
    bytes[at++] = word & 0xff;
    bytes[at++] = (word >>> 8) & 0xff;
    bytes[at++] = (word >>> 16) & 0xff;
    bytes[at++] = word >>> 24;
    this.used = at;
  }

  private forEachChunk(visit: (chunk: Uint8Array) => void): void {
    for (let index = 0; index < this.current; index++) visit((this.owned[index] ?? this.bytes).subarray(0, this.ends[index] ?? 0));
    visit(this.bytes.subarray(0, this.used));
  }

  private nextChunk(): void {
    this.ends[this.current] = this.used;
    this.current++;
    let next = this.owned[this.current];
    if (next === undefined) {
      next = new Uint8Array(CHUNK_BYTES);
      this.owned.push(next);
    }
    this.bytes = next;
    this.used = 0;
  }
}

/** Writes the words `bytes` hold into `words` from `offset`; returns the offset after them. */
function decodeWords(bytes: Uint8Array, words: Int32Array, offset: number): number {
  let at = offset;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] ?? 0;
    if (byte < TWO_BYTE_STEP) {
      words[at++] = byte * 4 + STEP;
      continue;
    }
    if (byte < TWO_BYTE_END) {
      words[at++] = (((byte & 0x3f) << 8) | (bytes[++index] ?? 0)) * 4 + STEP;
      continue;
    }
    words[at++] = (bytes[index + 1] ?? 0) | ((bytes[index + 2] ?? 0) << 8) | ((bytes[index + 3] ?? 0) << 16) | ((bytes[index + 4] ?? 0) << 24);
    index += WORD_BYTES - 1;
  }
  return at;
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
