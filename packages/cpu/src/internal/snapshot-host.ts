import type { HostSave, HostState } from '../host-state.js';
import { ok, type Result } from '../result.js';
import { snapshotFailure, type SnapshotFailure } from '../snapshot.js';

// Host state in a snapshot's bytes. The saved value of a part of the kernel's host state holds
// the host objects it belongs to, so no generic code can write it out: each part that can be
// saved to bytes writes its own state as plain data (HostState.encode) and reads it back into
// the objects of the machine that loads it (HostState.decode), a machine booted the same way.

/** One part's state as plain data, by the part's name. */
export interface HostData {
  readonly name: string;
  readonly data: unknown;
}

/** Each saved part written by the part at its place in `parts`; a part that cannot is the failure. */
export function encodeHostParts(saves: readonly HostSave[], parts: readonly HostState[]): Result<HostData[], SnapshotFailure> {
  const written: HostData[] = [];
  for (const [index, save] of saves.entries()) {
    const part = parts[index];
    if (part?.name !== save.name) return snapshotFailure('other-machine', 0, `cannot save the snapshot as bytes: its host state part ${index + 1} is ${save.name}, the machine's is ${part?.name ?? 'missing'}`);
    if (part.encode === undefined) {
      return snapshotFailure('host-state', 0, `cannot save the snapshot as bytes: ${save.name} keeps kernel state in host objects and cannot write it as plain data (it has no encode); such a machine is copied only within its process (rewind)`);
    }
    try {
      written.push({ name: save.name, data: part.encode(save.saved) });
    } catch (error) {
      return snapshotFailure('unsaveable-value', 0, `cannot save the snapshot as bytes: ${save.name}: ${errorText(error)}`);
    }
  }
  return ok(written);
}

/** Each part's plain data read back by the part of `parts` of the same name and place. */
export function decodeHostParts(data: readonly HostData[], parts: readonly HostState[] | undefined): Result<HostSave[], SnapshotFailure> {
  if (data.length === 0) return ok([]);
  if (parts === undefined) {
    const names = data.map((part) => part.name).join(', ');
    return snapshotFailure('host-state', 0, `this snapshot holds kernel state kept in host objects (${names}): load it with rewindFromBytes() on a machine booted as the one that saved it`);
  }
  const saves: HostSave[] = [];
  for (const [index, written] of data.entries()) {
    const part = parts[index];
    if (part?.name !== written.name || part.decode === undefined) {
      return snapshotFailure('other-machine', 0, `cannot load the snapshot: its host state part ${index + 1} is ${written.name}, which this machine ${part?.name === written.name ? 'cannot read back (no decode)' : `does not have there (${part?.name ?? 'none'})`}`);
    }
    try {
      saves.push({ name: written.name, saved: part.decode(written.data) });
    } catch (error) {
      return snapshotFailure('damaged', 0, `the snapshot's ${written.name} cannot be read back: ${errorText(error)}`);
    }
  }
  return ok(saves);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
