// The 'relaxed' memory model's second half (the first is x86-TSO's store buffers, kept as they
// are): a load may be satisfied from an older value than memory holds, as when a CPU has not yet
// processed the invalidation of a cache line it holds (McKenney, "Memory Barriers: a Hardware
// View for Software Hackers"). What keeps this within the Linux kernel memory model is a view per
// CPU, in the style of view-based operational models (Kang et al., "A Promising Semantics for
// Relaxed-Memory Concurrency", POPL 2017, without its promises):
//
// - Each CPU numbers the stretches between its write barriers (its epoch). A store is tagged with
//   its CPU, its epoch, and the view its CPU published at its latest barrier: the writes that must
//   be visible to whoever reads this store and then orders its later loads (smp_rmb, acquire).
// - When a store becomes visible (its flush), every other CPU keeps the cell's old value as a
//   stale copy, noting which writer's epoch superseded it. A later load on that CPU may read the
//   stale copy (the `stale` choice) instead of memory, until something makes it drop the copy:
//   a load of the fresh value (coherence: never older than what it has read), a read barrier that
//   the views require it to see past, a full barrier, or a cpu_relax() after the CPU read the copy
//   (a spinning CPU sees the new value of what it spins on in bounded time: without that, a spin
//   on a stale copy would never end; copies it has not read stay, so cpu_relax() orders no load).
// - Reading a store teaches the reader that store's view (`known`); a read barrier then drops each
//   stale copy that a known write superseded. A write barrier starts a new epoch and publishes the
//   CPU's own earlier writes; a release also publishes what it has read (A-cumulativity); a full
//   barrier does what a release does and drops every stale copy.
// - A full barrier is also strongly cumulative (LKMM's pb: "prop ; strong-fence"): a store that is
//   co-earlier than one its CPU wrote or read must be visible to every CPU before anything after
//   the barrier, and so must every store that a full barrier of that store's own CPU made visible
//   to all before it. So a store carries, besides its view, the view published at its CPU's latest
//   full barrier (`strong`; a release or an acquire adds the strong views of the stores it orders
//   its CPU's later stores after: LKMM's pb goes on through hb); each cell keeps the join of the
//   strong views of every store it has held (`history`: its coherence order so far, whose shape a
//   stale copy keeps for its own value); a CPU joins the history of each cell it writes to memory or reads (`coSeen`), and its next
//   full barrier publishes that too. Only the stores' strong views travel by coherence, never
//   their plain views: a store before an smp_wmb() is not made visible to all by a later store's
//   being overwritten (LKMM: Z6.3 with smp_wmb() on the first writer is allowed).
//
// Where it is stronger than LKMM (fewer outcomes, documented in the package README): a CPU's
// stores still become visible in order (smp_wmb orders nothing more than TSO does, though it
// decides what a reader's read barrier must see); loads are never satisfied before earlier
// stores of the same CPU are buffered, so load buffering (LB) is never observed; a locked
// read-modify-write, even an unordered one (atomic_inc()), finds its CPU's earlier stores visible;
// an interrupt's entry and return and every kernel call that drains the store buffer are full
// barriers; a cpu_relax() after a load of an older value orders a later load of that same cell
// (it reads memory's value, as a spin needs). Where it is weaker: a full barrier follows
// coherence one step only, from a store its own CPU wrote or read: a store co-earlier than one
// that reached its CPU through another CPU's barrier (a release after an overwrite, then read)
// is not made visible to all (Z6.3 so extended is seen, which LKMM forbids).

/** A store's tag: which CPU wrote it, in which of its epochs, and the view it carries. */
export interface WriteTag {
  readonly writer: number;
  readonly epoch: number;
  /** Per CPU: the newest epoch of that CPU's writes a reader of this store must then be able to see past. */
  readonly view: Int32Array;
  /** The view its CPU published at its latest full barrier: writes already visible to every CPU when this store was made. */
  readonly strong: Int32Array;
}

/** An older value a CPU may still read in place of memory's. */
interface StaleCopy {
  readonly value: number;
  /** The tag of the store that wrote `value`, if any (an allocation's zeroes have none). */
  readonly tag: WriteTag | undefined;
  /** Per writer: the first of its epochs whose store superseded `value` (0: none has). */
  readonly superseded: Int32Array;
  /** Whether its CPU has read it (the `stale` choice): its next cpu_relax() drops it. */
  read: boolean;
  /** The cell's history up to `value`: the join of the strong views of the stores it had held then. */
  readonly history: Int32Array | undefined;
}

export class RelaxedViews {
  /** Per CPU: its stale copies by cell. */
  readonly stale: Map<number, StaleCopy>[];
  /** The tag of the store each cell's value came from. */
  readonly tags = new Map<number, WriteTag>();
  /** Per CPU: its current epoch, from 1. */
  readonly epoch: Int32Array;
  /** Per CPU: what the views of the stores it has read require it to see, once it orders its loads. */
  readonly known: Int32Array[];
  /** Per CPU: the stores it has read, with their views (what a release publishes). */
  readonly observed: Int32Array[];
  /** Per CPU: the view its stores carry, published at its latest barrier (replaced, never changed: tags share it). */
  readonly published: Int32Array[];
  /** Per CPU: its stores' `strong`: the view it published at its latest full barrier, and the strong views its releases and acquires ordered its stores after (replaced, never changed). */
  readonly strongPublished: Int32Array[];
  /** Per CPU: the strong views of the stores it has read, which its next release orders its stores after. */
  readonly strongLearned: Int32Array[];
  /** Per CPU: the histories of the cells it has written to memory or read: what its next full barrier makes visible to all besides. */
  readonly coSeen: Int32Array[];
  /** Per cell: the join of the strong views of every store it has held (replaced, never changed: stale copies share it). */
  readonly history = new Map<number, Int32Array>();
  /**
   * Per task: what the CPUs that switched it out, spawned it or woke it knew then (each did a full
   * barrier first): the CPU it runs on next learns it. The runqueue lock and the wake's barrier
   * order a task's moves in Linux; without this, a task that moved could read an older value of
   * its own store, and a store-release after a wake would not carry what the waker wrote.
   */
  readonly carried = new Map<number, Int32Array>();
  /**
   * When the run is traced: each stale copy a barrier or cpu_relax() dropped since the trace last
   * looked, as (cpu, cell, older value) triples, so that the trace shows when a store became
   * visible to each CPU (tracing.ts). Undefined, and never filled, when the run is not traced.
   */
  dropped: number[] | undefined;
  /** The tag of the store the latest load read (undefined: its CPU's own buffered store, or one with none), for an acquire. */
  lastRead: WriteTag | undefined;
  /** Per CPU: the tag its next store gets (made once per epoch). */
  private readonly current: (WriteTag | undefined)[];

  constructor(readonly cpuCount: number) {
    this.stale = Array.from({ length: cpuCount }, () => new Map<number, StaleCopy>());
    this.epoch = new Int32Array(cpuCount).fill(1);
    this.known = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.observed = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.published = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.strongPublished = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.coSeen = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.strongLearned = Array.from({ length: cpuCount }, () => new Int32Array(cpuCount));
    this.current = Array.from({ length: cpuCount }, () => undefined);
  }

  /** The tag of a store `cpu` makes now. */
  tagOf(cpu: number): WriteTag {
    let tag = this.current[cpu];
    if (tag === undefined) {
      const none = new Int32Array(this.cpuCount);
      tag = { writer: cpu, epoch: this.epoch[cpu] ?? 1, view: this.published[cpu] ?? none, strong: this.strongPublished[cpu] ?? none };
      this.current[cpu] = tag;
    }
    return tag;
  }

  /**
   * The tag of a read-modify-write's store of `cell` by `cpu`: its CPU's, joined with the view the
   * store it replaces carried. LKMM's rmw-sequence: what a barrier or a release ordered before a
   * store stays ordered before every read-modify-write that reads from it, whatever its form.
   */
  rmwTagOf(cpu: number, cell: number): WriteTag {
    const own = this.tagOf(cpu);
    const replaced = this.tags.get(cell);
    if (replaced === undefined) return own;
    const view = Int32Array.from(own.view);
    join(view, replaced.view);
    return { writer: own.writer, epoch: own.epoch, view, strong: own.strong };
  }

  /**
   * `cpu`'s store of `cell` reached memory, replacing `old`: every other CPU may still read `old`,
   * and `cpu` has written after every store the cell held (its next full barrier publishes them).
   */
  becameVisible(cpu: number, cell: number, old: number, tag: WriteTag): void {
    const before = this.tags.get(cell);
    const history = this.history.get(cell);
    join(this.coSeen[cpu], history);
    const next = joined(history, tag.strong);
    if (next !== undefined) this.history.set(cell, next);
    for (let other = 0; other < this.cpuCount; other++) {
      const copies = this.stale[other];
      if (copies === undefined) continue;
      if (other === cpu) {
        copies.delete(cell);
        continue;
      }
      const copy = copies.get(cell);
      if (copy === undefined) {
        const superseded = new Int32Array(this.cpuCount);
        superseded[cpu] = tag.epoch;
        copies.set(cell, { value: old, tag: before, superseded, read: false, history });
      } else if (copy.superseded[cpu] === 0) {
        copy.superseded[cpu] = tag.epoch;
      }
    }
    this.tags.set(cell, tag);
  }

  /** The older value `cpu` holds of `cell`, if it holds one. */
  staleValue(cpu: number, cell: number): number | undefined {
    return this.stale[cpu]?.get(cell)?.value;
  }

  /** A load of memory's value of `cell` on `cpu`: its stale copy goes, and it learns the store it read. */
  readFresh(cpu: number, cell: number): void {
    this.stale[cpu]?.delete(cell);
    join(this.coSeen[cpu], this.history.get(cell));
    const tag = this.tags.get(cell);
    this.lastRead = tag;
    if (tag !== undefined) this.learn(cpu, tag);
  }

  /** The `stale` choice's load: the older value, kept for later loads until something drops it. */
  readStale(cpu: number, cell: number): number {
    const copy = this.stale[cpu]?.get(cell);
    if (copy === undefined) throw new Error(`CPU ${cpu} has no stale copy of cell ${cell}`);
    copy.read = true;
    join(this.coSeen[cpu], copy.history);
    this.lastRead = copy.tag;
    if (copy.tag !== undefined) this.learn(cpu, copy.tag);
    return copy.value;
  }

  /**
   * The ordering half of an acquire (smp_load_acquire(), an _acquire read-modify-write): drops each
   * stale copy that the store it read requires to be seen past. Only that store's view: unlike
   * smp_rmb(), an acquire orders nothing of the loads before it (LKMM; arm64's LDAR).
   */
  acquireFence(cpu: number): void {
    this.dropSuperseded(cpu, this.lastRead?.view);
    // What was visible to all before the store it read is so before every store after it (LKMM's pb goes on through hb).
    const strong = this.lastRead?.strong;
    if (strong === undefined || covers(this.strongPublished[cpu], strong)) return;
    this.strongPublished[cpu] = joinedCopy(this.strongPublished[cpu], strong);
    this.published[cpu] = joinedCopy(this.published[cpu], strong);
    this.current[cpu] = undefined;
  }

  /** smp_rmb(): drops each stale copy a write known from any earlier load superseded. */
  readFence(cpu: number): void {
    this.dropSuperseded(cpu, this.known[cpu]);
  }

  /** Drops each of `cpu`'s stale copies that a write `required` covers (its epoch at most required[writer]) superseded. */
  private dropSuperseded(cpu: number, required: Int32Array | undefined): void {
    const copies = this.stale[cpu];
    if (copies === undefined || required === undefined || copies.size === 0) return;
    for (const [cell, copy] of copies) {
      if (!supersededWithin(copy.superseded, required)) continue;
      copies.delete(cell);
      this.dropped?.push(cpu, cell, copy.value);
    }
  }


  /** smp_wmb(): later stores carry this CPU's earlier ones in their view. */
  writeFence(cpu: number): void {
    this.publish(cpu, [this.published[cpu]]);
  }

  /** smp_store_release()'s barrier: later stores also carry what this CPU has read (A-cumulativity). */
  releaseFence(cpu: number): void {
    this.publish(cpu, [this.published[cpu], this.known[cpu], this.observed[cpu]]);
    const learned = this.strongLearned[cpu];
    if (learned !== undefined && !covers(this.strongPublished[cpu], learned)) this.strongPublished[cpu] = joinedCopy(this.strongPublished[cpu], learned);
  }

  /**
   * smp_mb() and what orders as it does: every stale copy goes (so later loads read memory) and,
   * as a release, later stores carry what this CPU has read; strongly cumulative besides, they
   * carry the histories of the cells it wrote or read (coSeen), and the whole published view is
   * what its later stores' `strong` says every CPU could see. Stores that reached memory without
   * this CPU writing over them or reading them are not published: that would make every full
   * barrier depend on every other CPU's flushes, which multiplied a model checker's executions a
   * thousandfold (IRIW with two smp_mb(): 434 against more than 300,000), and LKMM orders them
   * by no barrier of this CPU's.
   */
  fullFence(cpu: number): void {
    const copies = this.stale[cpu];
    if (copies !== undefined && copies.size > 0) {
      if (this.dropped !== undefined) for (const [cell, copy] of copies) this.dropped.push(cpu, cell, copy.value);
      copies.clear();
    }
    this.publish(cpu, [this.published[cpu], this.known[cpu], this.observed[cpu], this.coSeen[cpu]]);
    this.strongPublished[cpu] = this.published[cpu] ?? new Int32Array(this.cpuCount);
  }

  /** `cpu` switched task `pid` out, spawned or woke it, after a full barrier: the task carries what `cpu` published. */
  carryTo(pid: number, cpu: number): void {
    const view = new Int32Array(this.cpuCount);
    join(view, this.carried.get(pid));
    join(view, this.published[cpu]);
    this.carried.set(pid, view);
  }

  /** A task the host started: it carries what every CPU has published. */
  carryFromAll(pid: number): void {
    for (let cpu = 0; cpu < this.cpuCount; cpu++) this.carryTo(pid, cpu);
  }

  /** Task `pid` switches in on `cpu`: the CPU learns what the task carries, and drops the stale copies that covers. */
  receive(pid: number, cpu: number): void {
    const view = this.carried.get(pid);
    if (view === undefined) return;
    this.carried.delete(pid);
    join(this.known[cpu], view);
    join(this.observed[cpu], view);
    this.readFence(cpu);
  }

  /**
   * cpu_relax(): a spinning CPU sees the new value of what it spins on. It drops the copies it has
   * read (a spin that read an older value reads memory's at its next try) and learns nothing; the
   * copies it has not read stay, so that it orders no load (Linux's cpu_relax() is no barrier: a
   * load of x after `READ_ONCE(y); cpu_relax();` may still miss the store of x before y's). A spin
   * therefore goes round at most once more after a store to what it spins on reached memory: on
   * the copy that store left it.
   */
  relax(cpu: number): void {
    const copies = this.stale[cpu];
    if (copies === undefined || copies.size === 0) return;
    for (const [cell, copy] of copies) {
      if (!copy.read) continue;
      copies.delete(cell);
      this.dropped?.push(cpu, cell, copy.value);
    }
  }

  /** After a snapshot's views were loaded: each CPU's next store makes its tag afresh. */
  resetTags(): void {
    this.current.fill(undefined);
  }

  /** kfree: no CPU keeps an older value of the object's cells, nor does memory keep their tags. */
  forgetCells(base: number, cells: number): void {
    for (let cell = base; cell < base + cells; cell++) {
      this.tags.delete(cell);
      this.history.delete(cell);
      for (const copies of this.stale) copies.delete(cell);
    }
  }

  private learn(cpu: number, tag: WriteTag): void {
    join(this.known[cpu], tag.view);
    join(this.strongLearned[cpu], tag.strong);
    const observed = this.observed[cpu];
    if (observed === undefined) return;
    join(observed, tag.view);
    if ((observed[tag.writer] ?? 0) < tag.epoch) observed[tag.writer] = tag.epoch;
  }

  /** Ends `cpu`'s epoch: its later stores carry the join of `views` and its writes so far. */
  private publish(cpu: number, views: readonly (Int32Array | undefined)[]): void {
    const view = new Int32Array(this.cpuCount);
    for (const from of views) join(view, from);
    const epoch = this.epoch[cpu] ?? 1;
    view[cpu] = epoch;
    this.published[cpu] = view;
    this.epoch[cpu] = epoch + 1;
    this.current[cpu] = undefined;
  }
}

function join(into: Int32Array | undefined, from: Int32Array | undefined): void {
  if (into === undefined || from === undefined) return;
  for (let index = 0; index < into.length; index++) if ((from[index] ?? 0) > (into[index] ?? 0)) into[index] = from[index] ?? 0;
}

/** The join of a history and a store's strong view: either one itself when it holds the other (histories are shared, never changed). */
function joined(history: Int32Array | undefined, strong: Int32Array): Int32Array | undefined {
  if (covers(history, strong)) return history;
  if (history === undefined || covers(strong, history)) return strong;
  return joinedCopy(history, strong);
}

/** A new view: the join of two. */
function joinedCopy(view: Int32Array | undefined, other: Int32Array): Int32Array {
  const copy = Int32Array.from(other);
  join(copy, view);
  return copy;
}

function covers(view: Int32Array | undefined, other: Int32Array): boolean {
  for (let index = 0; index < other.length; index++) if ((other[index] ?? 0) > (view?.[index] ?? 0)) return false;
  return true;
}

/** Whether a write some view requires (epoch at most `known[writer]`) superseded the copy. */
function supersededWithin(superseded: Int32Array, known: Int32Array): boolean {
  for (let writer = 0; writer < superseded.length; writer++) {
    const epoch = superseded[writer] ?? 0;
    if (epoch > 0 && epoch <= (known[writer] ?? 0)) return true;
  }
  return false;
}
