import { OBJECT_BASE, SCHED, type Footprint } from './footprint.js';

/** No step: the index's stand-in for a location, CPU or process no step has touched yet. */
const NONE = -1;

/**
 * The latest steps that touched each location, ran on each CPU, or belong to each process. It is
 * kept from one execution to the next: the steps the next one shares are taken back no further
 * than where it diverges, so each execution's analysis costs only its new steps.
 *
 * The search adds a step for every step it runs, so this is kept cheap: each location gets a
 * small number (a slot) the first time it is seen, looked up once per step, and everything else
 * is arrays by slot; what adding a step changed is kept to take it back in flat stacks of
 * numbers rather than an object per step. (Maps by location, looked up several times per
 * location, and objects per step were a fifth of what the search's race analysis cost.)
 */
export class AccessIndex {
  /** The slots of most locations by their place in a window (see DenseSlots), of the others by map. */
  private readonly cellSlots = new DenseSlots(0, DENSE_CELLS);
  private readonly objectSlots = new DenseSlots(OBJECT_BASE, DENSE_OBJECTS);
  private readonly schedulerSlots = new DenseSlots(SCHED, DENSE_SCHEDULER);
  private readonly slotOf = new Map<number, number>();
  /** By slot: the last step that wrote the location, and the steps that read it since. */
  private readonly lastWrite: number[] = [];
  private readonly readers: (number[] | undefined)[] = [];
  private readonly lastOnCpu: number[] = [];
  private readonly lastOfProcess: number[] = [];
  /**
   * Per step added, oldest first: its position, key, CPU, what it replaced, and where its slots
   * begin below. These stacks are written in place up to their counts and never cut: pops and
   * pushes cost more, and cutting by setting a length is a slow runtime call in V8.
   */
  private steps = 0;
  private readonly positions: number[] = [];
  private readonly keys: number[] = [];
  private readonly cpus: number[] = [];
  private readonly previousOfProcess: number[] = [];
  private readonly previousOnCpu: number[] = [];
  private readonly readsStart: number[] = [];
  private readonly writesStart: number[] = [];
  /** The slots every step added read and wrote, and per write, the location's last writer and readers before it. */
  private readCount = 0;
  private writeCount = 0;
  private readonly readSlots: number[] = [];
  private readonly writeSlots: number[] = [];
  private readonly savedLastWrite: number[] = [];
  private readonly savedReaders: (number[] | undefined)[] = [];
  /** The slots of the footprint last looked up (predecessors, then add, ask for the same one). */
  private slotted: Footprint | undefined;
  private readonly slottedReads: number[] = [];
  private readonly slottedWrites: number[] = [];
  /** For `predecessors`: the call that last listed each position, how many calls there were, and the list, reused. */
  private readonly listedIn: number[] = [];
  private calls = 0;
  private readonly found: number[] = [];

  /** Takes back every step from `position` on. */
  truncate(position: number): void {
    const { readSlots, writeSlots, readers, lastWrite } = this;
    let read = this.readCount;
    let write = this.writeCount;
    let step = this.steps - 1;
    for (; step >= 0 && (this.positions[step] ?? NONE) >= position; step--) {
      const readsStart = this.readsStart[step] ?? 0;
      while (read > readsStart) readers[readSlots[--read] ?? 0]?.pop();
      const writesStart = this.writesStart[step] ?? 0;
      while (write > writesStart) {
        const slot = writeSlots[--write] ?? 0;
        lastWrite[slot] = this.savedLastWrite[write] ?? NONE;
        readers[slot] = this.savedReaders[write];
      }
      this.lastOnCpu[this.cpus[step] ?? 0] = this.previousOnCpu[step] ?? NONE;
      this.lastOfProcess[this.keys[step] ?? 0] = this.previousOfProcess[step] ?? NONE;
    }
    this.steps = step + 1;
    this.readCount = read;
    this.writeCount = write;
  }

  /**
   * Positions of the steps a step with this footprint depends on directly, latest first. The
   * list is the index's own, reused: it holds until the next call.
   */
  predecessors(key: number, footprint: Footprint): readonly number[] {
    const found = this.found;
    while (found.length > 0) found.pop();
    const call = ++this.calls;
    this.slot(footprint);
    this.note(found, this.lastOfProcess[key], call);
    this.note(found, this.lastOnCpu[footprint.cpu], call);
    const reads = footprint.reads.length;
    for (let read = 0; read < reads; read++) this.note(found, this.lastWrite[this.slottedReads[read] ?? 0], call);
    const writes = footprint.writes.length;
    for (let write = 0; write < writes; write++) {
      const slot = this.slottedWrites[write] ?? 0;
      this.note(found, this.lastWrite[slot], call);
      const readers = this.readers[slot];
      // Latest first, so that the sort below finds them nearly in place.
      if (readers !== undefined) for (let reader = readers.length - 1; reader >= 0; reader--) this.note(found, readers[reader], call);
    }
    sortLatestFirst(found);
    return found;
  }

  /** Adds a position once per call: `listedIn` says by which call it was last listed. */
  private note(found: number[], position: number | undefined, call: number): void {
    if (position === undefined || position === NONE || this.listedIn[position] === call) return;
    this.listedIn[position] = call;
    found.push(position);
  }

  add(position: number, key: number, footprint: Footprint): void {
    const cpu = footprint.cpu;
    this.slot(footprint);
    const step = this.steps++;
    this.positions[step] = position;
    this.keys[step] = key;
    this.cpus[step] = cpu;
    this.previousOfProcess[step] = this.lastOfProcess[key] ?? NONE;
    this.previousOnCpu[step] = this.lastOnCpu[cpu] ?? NONE;
    this.readsStart[step] = this.readCount;
    this.writesStart[step] = this.writeCount;
    this.lastOfProcess[key] = position;
    this.lastOnCpu[cpu] = position;
    const writes = footprint.writes.length;
    for (let write = 0; write < writes; write++) {
      const slot = this.slottedWrites[write] ?? 0;
      const saved = this.writeCount++;
      this.writeSlots[saved] = slot;
      this.savedLastWrite[saved] = this.lastWrite[slot] ?? NONE;
      this.savedReaders[saved] = this.readers[slot];
      this.lastWrite[slot] = position;
      this.readers[slot] = undefined;
    }
    const reads = footprint.reads.length;
    for (let read = 0; read < reads; read++) {
      const slot = this.slottedReads[read] ?? 0;
      this.readSlots[this.readCount++] = slot;
      const readers = this.readers[slot];
      if (readers === undefined) this.readers[slot] = [position];
      else readers.push(position);
    }
  }

  /** Looks up the slots of a footprint's locations, unless they are the ones looked up last. */
  private slot(footprint: Footprint): void {
    if (this.slotted === footprint) return;
    this.slotted = footprint;
    for (let read = 0; read < footprint.reads.length; read++) this.slottedReads[read] = this.slotFor(footprint.reads[read] ?? NONE);
    for (let write = 0; write < footprint.writes.length; write++) this.slottedWrites[write] = this.slotFor(footprint.writes[write] ?? NONE);
  }

  private slotFor(location: number): number {
    const window = location < DENSE_CELLS ? this.cellSlots : location < SCHED ? this.objectSlots : this.schedulerSlots;
    const offset = window.offset(location);
    if (offset >= 0) {
      const known = window.at(offset);
      if (known !== NONE) return known;
      const slot = this.newSlot();
      window.set(offset, slot);
      return slot;
    }
    const known = this.slotOf.get(location);
    if (known !== undefined) return known;
    const slot = this.newSlot();
    this.slotOf.set(location, slot);
    return slot;
  }

  private newSlot(): number {
    const slot = this.lastWrite.length;
    this.lastWrite.push(NONE);
    this.readers.push(undefined);
    return slot;
  }
}

/**
 * Cells, objects and the scheduler's first locations (run queues and IPI queues) below these
 * have their slots in arrays, by place (see DenseSlots); the rest (task states, store buffers)
 * are looked up by map.
 */
const DENSE_CELLS = 2 ** 17;
const DENSE_OBJECTS = 2 ** 14;
const DENSE_SCHEDULER = 2 ** 13;

/**
 * The slots of one window of locations, by offset in it: most of a search's locations are a
 * few cells, objects and run queues, looked up at every step, for which a map costs more than an
 * array. The array grows to the largest offset met, with NONE where no slot was given.
 */
class DenseSlots {
  private readonly slots: number[] = [];

  constructor(private readonly base: number, private readonly limit: number) {}

  /** The offset of `location` in this window, or -1 outside it. */
  offset(location: number): number {
    const offset = location - this.base;
    return offset >= 0 && offset < this.limit ? offset : -1;
  }

  at(offset: number): number {
    return this.slots[offset] ?? NONE;
  }

  set(offset: number, slot: number): void {
    const slots = this.slots;
    while (slots.length <= offset) slots.push(NONE);
    slots[offset] = slot;
  }
}

/**
 * Insertion sort, latest first. The lists are short and nearly sorted, and Array.prototype.sort
 * allocated a sixth of everything the search allocated.
 */
function sortLatestFirst(positions: number[]): void {
  for (let index = 1; index < positions.length; index++) {
    const position = positions[index] ?? 0;
    let hole = index;
    for (; hole > 0 && (positions[hole - 1] ?? 0) < position; hole--) positions[hole] = positions[hole - 1] ?? 0;
    positions[hole] = position;
  }
}
