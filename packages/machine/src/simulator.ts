import type { Result } from '@kmodsim/cpu';
import type { StoreError, StoreResult } from './machine-store/store-error.js';
import { machineFiles } from './machine-store/location.js';
import type { BootConfig, JournalCommand } from './machine-store/records.js';
import { readFreshSnapshot, type Snapshot } from './machine-store/snapshot.js';
import type { WalkResult } from './kernel-tree/module-tree.js';
import type { ModuleFile, ModuleFileFailure } from './kmod/module-file.js';
import type { BootOutcome, BootRequest } from './simulation/boot-machine.js';
import type { Applied, Refreshed, Refusal } from './simulation/operations.js';
import type { MachineSession, SessionResult } from './simulation/session.js';

// The operations that need the simulator (the SMP machine, the module core, the linker), each
// loading it on first use. Loading it costs half a second; a tool that only reads a current
// snapshot (lsmod, ps, dmesg) never pays it, and stays as quick as a Node process can be.

/** Boots a new machine in dir (or, with request.reboot, replaces the one there). */
export async function bootMachine(dir: string, request: BootRequest, nowWallMs: number): Promise<BootOutcome> {
  return (await import('./simulation/boot-machine.js')).bootMachine(dir, request, nowWallMs);
}

/**
 * Runs a command under the machine's lock: `prepare` sees the machine as it is now and gives the
 * command to journal, or a refusal. A command too large to journal is refused before it runs;
 * else the module files in `keep` (readModuleFile's bytes) are kept in the machine, and the
 * record is appended once the machine has applied it.
 */
export async function runCommand(
  dir: string, tool: string, nowWallMs: number, prepare: (session: MachineSession) => JournalCommand | Refusal, keep: readonly Uint8Array[] = [],
): Promise<Result<Applied, StoreError | Refusal>> {
  return (await import('./simulation/operations.js')).runCommand(dir, tool, nowWallMs, prepare, keep);
}

/** Rebuilds the machine up to now, writes its snapshot, and lets `inspect` look at the live session. */
export async function refresh<T>(
  dir: string, nowWallMs: number, inspect: (session: MachineSession, config: BootConfig) => T, options: { trace?: boolean } = {},
): Promise<StoreResult<Refreshed<T>>> {
  return (await import('./simulation/operations.js')).refresh(dir, nowWallMs, inspect, options);
}

/** A session booted from a configuration with no journal applied: for benchmarks and tools that drive it themselves. */
export async function bootSession(dir: string, config: BootConfig, options: { readonly trace: boolean }): Promise<SessionResult<MachineSession>> {
  return (await import('./simulation/session.js')).MachineSession.boot(dir, config, options);
}

/** depmod's walk over a module tree: every module file read and summarised, and what could not be. */
export async function walkModuleTree(moduleDir: string): Promise<WalkResult> {
  return (await import('./kernel-tree/module-tree.js')).walkModuleTree(moduleDir);
}

/**
 * Reads a module file for insmod or modprobe (a path not on this host is looked up in the
 * machine's own root); runCommand keeps its bytes in the machine for later replays.
 */
export async function readModuleFile(path: string, machineDir: string): Promise<Result<ModuleFile, ModuleFileFailure>> {
  return (await import('./kmod/module-file.js')).readModuleFile(path, machineDir);
}

export interface Look {
  readonly snapshot: Snapshot;
  /** Set when the snapshot on disk was damaged and was rebuilt from the journal: what was wrong with it (its failure's message). */
  readonly rebuiltDamaged?: string;
  /** Set when machine.state could not be used and the machine was rebuilt from the journal: why, for a one-line note. */
  readonly notice?: string;
}

/**
 * The machine as user space sees it now (lsmod, /proc/modules, dmesg, ps): its snapshot when
 * that is current, else the machine rebuilt from its journal.
 */
export async function lookAtMachine(dir: string, nowWallMs: number): Promise<StoreResult<Look>> {
  const files = machineFiles(dir);
  const cached = readFreshSnapshot(files.snapshot, files.journal, nowWallMs);
  if (cached.kind === 'fresh') return { ok: true, value: { snapshot: cached.snapshot } };
  const rebuilt = await refresh(dir, nowWallMs, () => undefined);
  if (!rebuilt.ok) return rebuilt;
  const notice = rebuilt.value.notice === undefined ? {} : { notice: rebuilt.value.notice };
  return { ok: true, value: { snapshot: rebuilt.value.snapshot, ...(cached.kind === 'damaged' ? { rebuiltDamaged: cached.message } : {}), ...notice } };
}
