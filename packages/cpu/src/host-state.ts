import type { Machine } from './machine.js';

// Kernel state that code on the machine keeps in JavaScript objects instead of simulated memory:
// the module core's list of modules, a stop_machine call's work, RCU's queued callbacks, a
// scenario's record of what its tasks saw. A snapshot holds what each part saved, and rewinding
// the machine to the snapshot puts every part back, so the kernel's objects agree with its
// memory again. Parts hold references to the host objects they belong to, so such a snapshot is
// put back only into the machine it was taken from (Machine.rewind); a part that can also write
// its state as plain data and read it back into its own objects (encode, decode) lets the
// snapshot go to bytes and into a machine booted the same way in another process
// (Machine.snapshotBytes, Machine.rewindFromBytes).

/** A part of the kernel's state kept outside simulated memory, which a snapshot saves and a rewind puts back. */
export interface HostState<S = unknown> {
  /** What the part is, for errors: 'module core', 'rcu grace periods'. */
  readonly name: string;
  /** The part's state now, as a value the part never changes afterwards (copy what it will change). */
  save(): S;
  /** Takes on a state save() returned; called any number of times with the same one. */
  load(saved: S): void;
  /**
   * A saved state as plain data (JSON values, typed arrays), for a snapshot in bytes; throws
   * (with why) when this state cannot be written. Without it the machine is copied only within
   * its process.
   */
  encode?(saved: S): unknown;
  /** What encode wrote, as a state of this part's own objects that load() takes; throws on data it did not write. */
  decode?(data: unknown): S;
  /**
   * What of a saved state decides what the kernel does from then on, for a state fingerprint
   * (Machine.stateFingerprint): plain data, the saved state itself when omitted. Leave out what
   * only reports (figures, times) and name host objects by what decides them (a caller's pid
   * rather than a closure it made), so that runs that meet in the same state are seen to.
   */
  fingerprint?(saved: S): unknown;
}

/** One part's state in a snapshot. */
export interface HostSave {
  readonly name: string;
  readonly saved: unknown;
}

/** A value box the machine keeps (see keptValue). */
export interface Kept<T> {
  value: T;
}

/**
 * A list that host code (a scenario's tasks and its final check) appends to, kept by the
 * machine: rewinding to a snapshot gives it back the items it had then.
 */
export function keptList<T>(machine: Machine, name: string): T[] {
  const list: T[] = [];
  machine.keepHostState<readonly T[]>({
    name,
    save: () => [...list],
    load: (saved) => {
      list.length = 0;
      list.push(...saved);
    },
  });
  return list;
}

/**
 * A variable that host code changes, kept by the machine: rewinding to a snapshot gives it back
 * the value it had then. The value itself is kept as it is, so give it numbers, strings, or
 * objects never changed in place.
 */
export function keptValue<T>(machine: Machine, name: string, initial: T): Kept<T> {
  const box: Kept<T> = { value: initial };
  machine.keepHostState<T>({ name, save: () => box.value, load: (saved) => { box.value = saved; } });
  return box;
}
