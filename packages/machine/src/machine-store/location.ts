import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { emptyMachineOption, noDefault, type StoreResult } from './store-error.js';

/** The machine's directory. */
export type MachineLocation = StoreResult<string>;

/**
 * Which machine a command acts on: `--machine DIR`, else $KMODSIM_MACHINE, else the user's
 * default machine under $XDG_STATE_HOME (~/.local/state when unset), as the XDG base directory
 * specification places state that should survive restarts but is not worth backing up. The
 * specification says a relative $XDG_STATE_HOME is invalid and is ignored; an empty or relative
 * $HOME is no home either (it would put the machine under the current directory), so the home
 * directory comes from the password database then, and a user without one must say -M.
 */
export function machineLocation(option: string | undefined, env: Readonly<Record<string, string | undefined>>): MachineLocation {
  // An empty -M is a mistake (`-M "$DIR"` with DIR unset), never a request for the default machine.
  if (option === '') return emptyMachineOption();
  if (option !== undefined) return { ok: true, value: resolve(option) };
  const fromEnv = env['KMODSIM_MACHINE'];
  if (fromEnv !== undefined && fromEnv !== '') return { ok: true, value: resolve(fromEnv) };
  const stateHome = env['XDG_STATE_HOME'];
  if (stateHome !== undefined && isAbsolute(stateHome)) return { ok: true, value: join(stateHome, 'kmodsim', 'default') };
  const home = homeDirectory(env['HOME']);
  if (home === undefined) {
    return noDefault('HOME is not set to an absolute path and the password database names no home directory');
  }
  return { ok: true, value: join(home, '.local', 'state', 'kmodsim', 'default') };
}

function homeDirectory(fromEnv: string | undefined): string | undefined {
  if (fromEnv !== undefined && isAbsolute(fromEnv)) return fromEnv;
  try {
    const { homedir } = userInfo();
    return isAbsolute(homedir) ? homedir : undefined;
  } catch {
    return undefined;
  }
}

/** The files of a machine directory. */
export function machineFiles(dir: string) {
  return {
    config: join(dir, 'machine.json'),
    journal: join(dir, 'journal'),
    snapshot: join(dir, 'snapshot.json'),
    state: join(dir, 'machine.state'),
    lock: join(dir, 'lock'),
    images: join(dir, 'images'),
  } as const;
}
