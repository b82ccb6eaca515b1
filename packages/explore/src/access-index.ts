import type { Footprint } from './footprint.js';

/** What adding one step changed in the index, to take it back. */
interface IndexUndo {
  readonly position: number;
  readonly key: number;
  readonly previousOfProcess: number | undefined;
  readonly cpu: number;
  readonly previousOnCpu: number | undefined;
  readonly footprint: Footprint;
  /** Per written location: its last writer and its readers before this step. */
  readonly writes: readonly { readonly lastWrite: number | undefined; readonly readers: number[] | undefined }[];
}

/**
 * The latest steps that touched each location, ran on each CPU, or belong to each process. It is
 * kept from one execution to the next: the steps the next one shares are taken back no further
 * than where it diverges, so each execution's analysis costs only its new steps.
 */
export class AccessIndex {
  private readonly lastWrite = new Map<number, number>();
  private readonly readsSinceWrite = new Map<number, number[]>();
  private readonly lastOnCpu: (number | undefined)[] = [];
  private readonly lastOfProcess: (number | undefined)[] = [];
  private readonly undo: IndexUndo[] = [];
  /** For `predecessors`: the call that last listed each position, and how many calls there were. */
  private readonly listedIn: number[] = [];
  private calls = 0;

  /** Takes back every step from `position` on. */
  truncate(position: number): void {
    for (let entry = this.undo.at(-1); entry !== undefined && entry.position >= position; entry = this.undo.at(-1)) {
      this.undo.pop();
      const { footprint } = entry;
      for (let read = footprint.reads.length - 1; read >= 0; read--) this.readsSinceWrite.get(footprint.reads[read] ?? -1)?.pop();
      for (let write = footprint.writes.length - 1; write >= 0; write--) {
        const location = footprint.writes[write] ?? -1;
        const saved = entry.writes[write];
        if (saved?.lastWrite === undefined) this.lastWrite.delete(location);
        else this.lastWrite.set(location, saved.lastWrite);
        if (saved?.readers === undefined) this.readsSinceWrite.delete(location);
        else this.readsSinceWrite.set(location, saved.readers);
      }
      this.lastOnCpu[entry.cpu] = entry.previousOnCpu;
      this.lastOfProcess[entry.key] = entry.previousOfProcess;
    }
  }

  /** Positions of the steps a step with this footprint depends on directly, latest first. */
  predecessors(key: number, footprint: Footprint): number[] {
    const found: number[] = [];
    const call = ++this.calls;
    this.note(found, this.lastOfProcess[key], call);
    this.note(found, this.lastOnCpu[footprint.cpu], call);
    for (const location of footprint.reads) this.note(found, this.lastWrite.get(location), call);
    for (const location of footprint.writes) {
      this.note(found, this.lastWrite.get(location), call);
      const readers = this.readsSinceWrite.get(location);
      // Latest first, so that the sort below finds them nearly in place.
      if (readers !== undefined) for (let reader = readers.length - 1; reader >= 0; reader--) this.note(found, readers[reader], call);
    }
    sortLatestFirst(found);
    return found;
  }

  /** Adds a position once per call: `listedIn` says by which call it was last listed. */
  private note(found: number[], position: number | undefined, call: number): void {
    if (position === undefined || this.listedIn[position] === call) return;
    this.listedIn[position] = call;
    found.push(position);
  }

  add(position: number, key: number, footprint: Footprint): void {
    const writes: { lastWrite: number | undefined; readers: number[] | undefined }[] = [];
    this.undo.push({ position, key, previousOfProcess: this.lastOfProcess[key], cpu: footprint.cpu, previousOnCpu: this.lastOnCpu[footprint.cpu], footprint, writes });
    this.lastOfProcess[key] = position;
    this.lastOnCpu[footprint.cpu] = position;
    for (const location of footprint.writes) {
      writes.push({ lastWrite: this.lastWrite.get(location), readers: this.readsSinceWrite.get(location) });
      this.lastWrite.set(location, position);
      this.readsSinceWrite.delete(location);
    }
    for (const location of footprint.reads) {
      const readers = this.readsSinceWrite.get(location);
      if (readers === undefined) this.readsSinceWrite.set(location, [position]);
      else readers.push(position);
    }
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
