import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { findStrategy } from '@kmodsim/refcount';
import type { CompareIo } from '../io.js';

// The commands check prints for a person to paste (a counterexample's replay) must run as
// printed, in the user's own shell, from any directory: so they start the program the way this
// run was started, and name a strategy file by its absolute path.

const BIN = 'kmodsim-compare';

/**
 * How to start this program again from the user's shell: `pnpm exec kmodsim-compare` when it was
 * started that way (the binary is then on pnpm's PATH, not the shell's); the bin's name when the
 * script ran as a command found on the PATH (a global install, a link in ~/bin); otherwise
 * `node /absolute/script.js`, which runs from anywhere: that covers `node bin/kmodsim-compare.js`,
 * npm scripts and npx, whose PATH the shell does not have either. In-process callers that give no
 * script get the bin's name.
 */
export function programWords(io: Pick<CompareIo, 'env' | 'cwd' | 'script'>): string {
  const { env, script } = io;
  if (env['npm_command'] === 'exec' && (env['npm_config_user_agent'] ?? '').startsWith('pnpm/')) return `pnpm exec ${BIN}`;
  if (script === undefined) return BIN;
  const path = isAbsolute(script) ? script : resolve(io.cwd, script);
  const name = basename(path);
  if (!name.endsWith('.js') && onPathAs(name, path, env['PATH'])) return name;
  return `node ${shellWord(path)}`;
}

/** Whether the shell, looking `name` up on `searchPath`, finds `path` itself (the first executable of that name, followed through links). */
function onPathAs(name: string, path: string, searchPath: string | undefined): boolean {
  // Only absolute entries: a relative one ('' or '.') finds the program from one directory alone.
  for (const dir of (searchPath ?? '').split(':').filter((entry) => isAbsolute(entry))) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    return sameFile(candidate, path);
  }
  return false;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** A strategy as a replay command names it: a built-in one by its name, a file by its absolute path (as check loaded it). */
export function strategyWord(spec: string, cwd: string): string {
  return findStrategy(spec) !== undefined || isAbsolute(spec) ? spec : resolve(cwd, spec);
}

/** `word` as one shell word: bare when it is plainly safe, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
