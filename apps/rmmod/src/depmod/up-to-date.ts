import { describeFsError, isModuleFileName } from '@kmodsim/machine';
import { opendirSync, statSync, type Dir, type Stats } from 'node:fs';

// depmod -A (--quick): nothing to do when modules.dep is there and no module file is newer than
// it, as kmod's depfile_up_to_date decides: mtimes in whole seconds (time_t), build/ and source/
// skipped, symbolic links followed. The version directory that will not open, or a missing
// modules.dep, is an ERROR line of kmod's and means "not up to date": depmod goes on and does
// the whole work (and says it again if the directory is missing). Entries further down that
// cannot be looked at are passed over; kmod's lines for them name descriptor numbers, which
// would tell a reader nothing, so ours leaves them out.

export interface Quickness {
  readonly upToDate: boolean;
  /** kmod's ERROR lines, without the "depmod: ERROR: " prefix. */
  readonly errors: readonly string[];
}

export function modulesDepUpToDate(moduleDir: string): Quickness {
  let dir: Dir;
  try {
    dir = opendirSync(moduleDir);
  } catch (error) {
    return { upToDate: false, errors: [`could not open directory ${moduleDir}: ${describeFsError(error)}`] };
  }
  try {
    let depSeconds: number;
    try {
      depSeconds = wholeSeconds(statSync(`${moduleDir}/modules.dep`).mtimeMs);
    } catch (error) {
      return { upToDate: false, errors: [`could not fstatat(${moduleDir}, modules.dep): ${describeFsError(error)}`] };
    }
    return { upToDate: noModuleNewer(dir, moduleDir, depSeconds), errors: [] };
  } finally {
    dir.closeSync();
  }
}

function noModuleNewer(dir: Dir, path: string, depSeconds: number): boolean {
  for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
    if (entry.name === 'build' || entry.name === 'source') continue;
    const entryPath = `${path}/${entry.name}`;
    const stats = statOf(entryPath);
    if (stats === undefined) continue;
    if (stats.isDirectory()) {
      if (!noModuleNewerIn(entryPath, depSeconds)) return false;
    } else if (stats.isFile() && isModuleFileName(entry.name) && wholeSeconds(stats.mtimeMs) > depSeconds) {
      return false;
    }
  }
  return true;
}

function noModuleNewerIn(path: string, depSeconds: number): boolean {
  let dir: Dir;
  try {
    dir = opendirSync(path);
  } catch {
    return true;
  }
  try {
    return noModuleNewer(dir, path, depSeconds);
  } finally {
    dir.closeSync();
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function wholeSeconds(mtimeMs: number): number {
  return Math.floor(mtimeMs / 1000);
}
