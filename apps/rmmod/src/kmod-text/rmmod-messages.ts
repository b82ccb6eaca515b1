import { type RemoveResult } from '@kmodsim/machine';
import { strerror } from '@kmodsim/cpu';

/** rmmod's message for one module's result, kmod's words; undefined when it went. */
export function rmmodMessage(name: string, result: RemoveResult): string | undefined {
  switch (result.kind) {
    case 'removed':
      return undefined;
    case 'not-loaded':
      return `rmmod: ERROR: Module ${name} is not currently loaded\n`;
    case 'in-use-by':
      return `rmmod: ERROR: Module ${name} is in use by:${result.holders.map((holder) => ` ${holder}`).join('')}\n`;
    case 'in-use':
      return `rmmod: ERROR: Module ${name} is in use\n`;
    case 'failed':
      return `rmmod: ERROR: could not remove module ${name}: ${strerror(result.errno)}\n`;
  }
}

/** rmmod's refusal of a module modules.builtin names: it is part of the kernel image. */
export function rmmodBuiltinMessage(name: string): string {
  return `rmmod: ERROR: Module ${name} is builtin.\n`;
}

/** modprobe -r's message for one module's result, kmod's words; undefined when there is nothing to say. */
export function modprobeRemoveMessage(name: string, result: RemoveResult): string | undefined {
  switch (result.kind) {
    case 'removed':
    case 'not-loaded':
      return undefined;
    case 'in-use-by':
    case 'in-use':
      return `modprobe: FATAL: Module ${name} is in use.\n`;
    case 'failed':
      // libkmod's own complaint, at its ERR priority; modprobe adds nothing to it.
      return `modprobe: ERROR: could not remove '${name}': ${strerror(result.errno)}\n`;
  }
}
