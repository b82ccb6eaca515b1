import type { KernelModule } from './kernel-module.js';
import { isGplCompatible } from './module-load.js';
// Kernel taint flags in the kernel's order (Documentation/admin-guide/tainted-kernels.rst), with
// the letter shown when set and when not: the first flag reads 'G' when no proprietary module was
// ever loaded. The kernel prints the whole row after "Tainted: ", and a module's own taints in
// parentheses in /proc/modules.

export const TAINT_FLAGS = [
  { name: 'PROPRIETARY_MODULE', set: 'P', unset: 'G' },
  { name: 'FORCED_MODULE', set: 'F', unset: ' ' },
  { name: 'CPU_OUT_OF_SPEC', set: 'S', unset: ' ' },
  { name: 'FORCED_RMMOD', set: 'R', unset: ' ' },
  { name: 'MACHINE_CHECK', set: 'M', unset: ' ' },
  { name: 'BAD_PAGE', set: 'B', unset: ' ' },
  { name: 'USER', set: 'U', unset: ' ' },
  { name: 'DIE', set: 'D', unset: ' ' },
  { name: 'OVERRIDDEN_ACPI_TABLE', set: 'A', unset: ' ' },
  { name: 'WARN', set: 'W', unset: ' ' },
  { name: 'CRAP', set: 'C', unset: ' ' },
  { name: 'FIRMWARE_WORKAROUND', set: 'I', unset: ' ' },
  { name: 'OOT_MODULE', set: 'O', unset: ' ' },
  { name: 'UNSIGNED_MODULE', set: 'E', unset: ' ' },
  { name: 'SOFTLOCKUP', set: 'L', unset: ' ' },
  { name: 'LIVEPATCH', set: 'K', unset: ' ' },
  { name: 'AUX', set: 'X', unset: ' ' },
  { name: 'RANDSTRUCT', set: 'T', unset: ' ' },
  { name: 'TEST', set: 'N', unset: ' ' },
] as const;

export type TaintName = (typeof TAINT_FLAGS)[number]['name'];
export type TaintLetter = (typeof TAINT_FLAGS)[number]['set'];

const LETTERS = new Map<string, TaintName>(TAINT_FLAGS.map((flag) => [flag.set, flag.name]));

export function taintNameOf(letter: string): TaintName | undefined {
  return LETTERS.get(letter);
}

/** The kernel's "Tainted: ..." value, or "Not tainted". */
export function formatKernelTaint(taints: ReadonlySet<TaintName>): string {
  if (taints.size === 0) return 'Not tainted';
  return `Tainted: ${TAINT_FLAGS.map((flag) => (taints.has(flag.name) ? flag.set : flag.unset)).join('')}`;
}

/** A module's taints as /proc/modules shows them: "(POE)", or "" when untainted. */
export function formatModuleTaint(taints: ReadonlySet<TaintName>): string {
  const letters = TAINT_FLAGS.filter((flag) => taints.has(flag.name)).map((flag) => flag.set);
  return letters.length === 0 ? '' : `(${letters.join('')})`;
}

/** A module's load taints the kernel: a licence that is not GPL-compatible, and what the linker decided (with its log lines). */
export function applyLoadTaints(module: KernelModule, kernelTaints: Set<TaintName>, print: (line: string) => void): void {
  if (!isGplCompatible(module.load.license) && !module.taints.has('PROPRIETARY_MODULE')) {
    module.taints.add('PROPRIETARY_MODULE');
    print(`${module.name}: module license '${module.load.license}' taints kernel.`);
  }
  for (const taint of module.taints) kernelTaints.add(taint);
}
