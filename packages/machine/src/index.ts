// @kmodsim/machine: a simulated Linux machine that lives in a directory between commands.
// Any front end (the kmod-style tools, an editor plugin, a teaching notebook) finds a machine,
// boots one, runs a command on it under its lock, and reads what user space would see; every
// expected failure comes back as a value in @kmodsim/cpu's Failure shape (a StoreError, a
// Refusal, a BootUsage), its message for the front end to print, never as text printed here.

// Where a machine is and what its directory holds.
export { machineLocation, machineFiles, type MachineLocation } from './machine-store/location.js';
export { checkMachineDir, openMachine, saveImage, type OpenMachine } from './machine-store/machine-store.js';
export type { StoreError, StoreErrorDetail, StoreResult } from './machine-store/store-error.js';
export type { BootConfig, ImageRef, JournalCommand, JournalRecord, KernelSource, ModuleSigningRecord, TrustedKeyRecord } from './machine-store/records.js';
export { readJournal, encodeRecord, type JournalContents, type JournalRead } from './machine-store/journal.js';
export { acquireLock, type LockHandle, type LockResult } from './machine-store/lock.js';
export { CRASH_POINTS, type CrashPoint } from './machine-store/crash-point.js';
export { temporaryPathFor } from './machine-store/durable-file.js';
export { readFreshSnapshot, SNAPSHOT_FORMAT, type Snapshot, type SnapshotDamaged, type SnapshotModule, type SnapshotRead, type SnapshotTask } from './machine-store/snapshot.js';

// Files the tools read the way the kernel and kmod would: only the machine's own, never through a link.
export { readOwnFile, type OwnFile, type OwnFileFailure, type OwnFileRead } from './machine-store/own-file.js';
export { describeFsError, makeDirectories, type MadeDirectories } from './machine-store/make-directories.js';
export { checksumOf } from './machine-store/checksum.js';

// Booting, running commands and looking: the session that replays the journal on the module
// core. These load the simulator on first use, so a tool that only reads a snapshot stays quick.
export { bootMachine, bootSession, lookAtMachine, readModuleFile, refresh, runCommand, walkModuleTree, type Look } from './simulator.js';
export type { BootOutcome, BootRequest, BootUsage, Booted } from './simulation/boot-machine.js';
export type { Applied, Refreshed, Refusal } from './simulation/operations.js';
export type { MachineSession, SessionResult } from './simulation/session.js';
export type { CommandOutcome, HoldOutcome, InsmodOutcome, LoadResult, ReleaseOutcome, RemoveResult, RmmodOutcome, SyscallError } from './simulation/outcomes.js';
export { parseDurationMs, MAX_DURATION_MS } from './simulation/time.js';

// The kernel a machine runs: the embedded one shipped with this package, or a real module tree.
export { EMBEDDED_RELEASE, depmodDirOf, moduleDirOf } from './machine-store/kernel-dirs.js';
export { isModuleFileName, MODULE_EXTENSIONS } from './kernel-tree/module-names.js';
export type { WalkResult } from './kernel-tree/module-tree.js';

// What libkmod does for kmod's tools: find a module by name, alias or as built-in, in a machine's
// tree; read modules.dep and modules.softdep; the order modprobe inserts and removes modules in;
// a module file read for insmod. The tools keep their options, messages and printing.
export { builtinModinfo, isBuiltinModule, isModuleFile, lookupModule, machineTree, type LookupDirs, type LookupHit } from './kmod/module-lookup.js';
export { moduleNameOfArgument } from './kmod/module-argument.js';
export { MAX_TREE_TEXT_BYTES, readTreeText, type TreeText } from './kmod/tree-text.js';
export type { DepEntry } from './kmod/modules-dep.js';
export { probeList, readProbeTables, type ProbeTables, type Softdeps } from './kmod/softdeps.js';
export { removeWithDependencies, type RemovalStep, type RemovalSteps } from './kmod/removal-order.js';
export type { ModuleFile, ModuleFileFailure } from './kmod/module-file.js';
