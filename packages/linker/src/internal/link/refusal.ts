import type { LinkRefusal } from './linked-module.js';

export const refuse = (
  file: string,
  errno: LinkRefusal['errno'],
  reason: LinkRefusal['reason'],
  message: string,
  kernelLog: readonly string[] = [message],
): LinkRefusal => ({ ok: false, errno, file, reason, message, kernelLog });
