import { fail } from '@kmodsim/cpu';
import type { LinkRefusal } from './linked-module.js';

export const refuse = (
  file: string,
  errno: LinkRefusal['errno'],
  reason: LinkRefusal['reason'],
  message: string,
  kernelLog: readonly string[] = [message],
): LinkRefusal => fail(errno, message, { file, reason, kernelLog });
