import { existsSync } from 'node:fs';
import type { Failure, Result } from '@kmodsim/cpu';
import { moduleNameOfPath } from '../kernel-tree/module-names.js';

// What kmod makes of a module argument (kmod_module_new_from_path, else _from_name): an
// existing file names the module in it; anything else is a module name, with '-' read as '_'
// as the kernel does. A name with a path character that is no file cannot be a module.

// cpu's ok and fail, written out: this is on paths that do not load @kmodsim/cpu (see store-error.ts).

/** The module's name; ENOENT for a path that is no file, EINVAL for text that cannot be a module's name. */
export function moduleNameOfArgument(argument: string): Result<string, Failure<'ENOENT' | 'EINVAL'>> {
  if (argument.includes('/') || argument.endsWith('.ko')) {
    return existsSync(argument) ? { ok: true, value: moduleNameOfPath(argument) } : { ok: false, errno: 'ENOENT', message: `${argument}: no such module file` };
  }
  if (argument === '' || /[\s\0]/.test(argument)) return { ok: false, errno: 'EINVAL', message: `'${argument}' cannot be a module's name` };
  return { ok: true, value: argument.replaceAll('-', '_') };
}
