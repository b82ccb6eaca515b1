import { existsSync } from 'node:fs';
import { fail, ok, strerror, type Result } from '@kmodsim/cpu';
import { moduleNameFromPath } from '@kmodsim/linker';

// What kmod makes of a module argument: an existing file names the module in it; anything else
// is a module name, with '-' read as '_' as the kernel does. A name with a path character that
// is no file cannot be a module.

/** The module's name. */
export function moduleArgument(argument: string): Result<string> {
  if (argument.includes('/') || argument.endsWith('.ko')) {
    return existsSync(argument) ? ok(moduleNameFromPath(argument)) : fail('ENOENT', strerror('ENOENT'));
  }
  if (argument === '' || /[\s\0]/.test(argument)) return fail('EINVAL', strerror('EINVAL'));
  return ok(argument.replaceAll('-', '_'));
}
