import type { StoreResult } from '../machine-store/machine-store.js';
import { machineFiles } from '../machine-store/location.js';
import { readFreshSnapshot, type Snapshot } from '../machine-store/snapshot.js';
import type { StoreError } from '../machine-store/store-error.js';

// How lsmod, cat /proc/modules, dmesg and ps see the machine: its snapshot when that is current
// (nothing beyond Node's own modules is loaded for it, which keeps lsmod as quick as a process
// can be), else the machine rebuilt from its journal, which needs the whole simulator.

export interface Look {
  readonly snapshot: Snapshot;
  /** Set when the snapshot on disk was damaged and was rebuilt from the journal. */
  readonly rebuiltDamaged?: string;
}

export async function lookAtMachine(dir: string, nowWallMs: number): Promise<{ ok: true; value: Look } | { ok: false; error: StoreError }> {
  const files = machineFiles(dir);
  const cached = readFreshSnapshot(files.snapshot, files.journal, nowWallMs);
  if (cached.kind === 'fresh') return { ok: true, value: { snapshot: cached.snapshot } };
  const { refresh } = await import('../simulation/operations.js');
  const rebuilt: StoreResult<{ snapshot: Snapshot }> = refresh(dir, nowWallMs, () => undefined);
  if (!rebuilt.ok) return rebuilt;
  return { ok: true, value: { snapshot: rebuilt.value.snapshot, ...(cached.kind === 'damaged' ? { rebuiltDamaged: cached.why } : {}) } };
}
