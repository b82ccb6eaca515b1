import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemporaryName } from './durable-file.js';
import { processHasEnded } from './process-alive.js';

// A command killed while it wrote a file (kill -9, a crash, the power) leaves the temporary it
// was writing; the target still holds what it held before, so nothing acknowledged is in the
// temporary. Without this, such leftovers would stay in a machine directory for ever. Only a
// temporary of a file kmodsim writes there, written on this host by a process that has ended, is
// removed: a live writer is mid-write (images are saved outside the lock), a pid of another
// host cannot be asked about, and a file of the user's own is never touched.

/** Removes dead writers' temporaries of the targets `isTarget` accepts from dir; returns their names. */
export function removeDeadTemporaries(dir: string, isTarget: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // No such directory (a machine that never saved an image): nothing was left there.
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const temporary = parseTemporaryName(name);
    if (temporary === undefined || !isTarget(temporary.target) || !temporary.thisHost || !processHasEnded(temporary.pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Gone already (another command swept it), or not ours to remove: either way not this command's failure.
    }
  }
  return removed;
}
