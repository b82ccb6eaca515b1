import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Which machine a command acts on: `--machine DIR`, else $KMODSIM_MACHINE, else the user's
 * default machine under $XDG_STATE_HOME (~/.local/state when unset), as the XDG base directory
 * specification places state that should survive restarts but is not worth backing up.
 */
export function machineDirFrom(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (option !== undefined && option !== '') return resolve(option);
  const fromEnv = env['KMODSIM_MACHINE'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const stateHome = env['XDG_STATE_HOME'];
  const base = stateHome !== undefined && stateHome !== '' ? stateHome : join(env['HOME'] ?? homedir(), '.local', 'state');
  return join(base, 'kmodsim', 'default');
}

/** The files of a machine directory. */
export function machineFiles(dir: string) {
  return {
    config: join(dir, 'machine.json'),
    journal: join(dir, 'journal'),
    snapshot: join(dir, 'snapshot.json'),
    lock: join(dir, 'lock'),
    images: join(dir, 'images'),
  } as const;
}
