import { existsSync } from 'node:fs';
import { moduleNameFromPath } from '@kmodsim/linker';

// What kmod makes of a module argument: an existing file names the module in it; anything else
// is a module name, with '-' read as '_' as the kernel does. A name with a path character that
// is no file cannot be a module.

export type ModuleArgument = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly strerror: string };

export function moduleArgument(argument: string): ModuleArgument {
  if (argument.includes('/') || argument.endsWith('.ko')) {
    return existsSync(argument) ? { ok: true, name: moduleNameFromPath(argument) } : { ok: false, strerror: 'No such file or directory' };
  }
  if (argument === '' || /[\s\0]/.test(argument)) return { ok: false, strerror: 'Invalid argument' };
  return { ok: true, name: argument.replaceAll('-', '_') };
}
