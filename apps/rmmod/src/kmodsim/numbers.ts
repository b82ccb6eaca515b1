import { MAX_CPUS } from '@kmodsim/cpu';

// Numbers on kmodsim's command lines, read strictly: digits only (no sign, exponent, blanks or
// fraction, all of which Number() would take), so that a problem is reported in the user's own
// text rather than as NaN or a value they did not type.

/** The number `text` spells, if it is a whole number from min to max. */
export function wholeNumberIn(text: string, min: number, max: number): number | undefined {
  // 16 digits reach 2^53 - 1, the largest whole number a JavaScript number holds exactly.
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** --cpus: the count, or the usage error's text. */
export function parseCpuCount(text: string): number | { readonly problem: string } {
  return wholeNumberIn(text, 1, MAX_CPUS) ?? { problem: `--cpus takes a whole number of CPUs from 1 to ${MAX_CPUS}, not '${text}'` };
}
