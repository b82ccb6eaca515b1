import type { Failure } from '@kmodsim/cpu';
import type { RegionName } from './layout.js';

// What linking produces: the module laid out in simulated memory, with everything the module
// core needs to run and account for it.

export interface MemoryRegion {
  readonly name: RegionName;
  readonly address: bigint;
  /** Page-rounded size, as /proc/modules and /sys/module/X/coresize count it. */
  readonly bytes: number;
  /** The region's contents after relocation. */
  readonly contents: Uint8Array;
}

export interface SectionPlacement {
  readonly name: string;
  readonly region: RegionName;
  readonly address: bigint;
  readonly bytes: number;
}

export interface ResolvedImport {
  readonly name: string;
  readonly address: bigint;
  /** 'vmlinux' or the module whose export satisfied it: the core records "uses". */
  readonly owner: string;
  readonly gplOnly: boolean;
}

export interface LinkedExport {
  readonly name: string;
  readonly address: bigint;
  readonly gplOnly: boolean;
  readonly crc?: number;
  readonly namespace?: string;
}

export type ModuleTaint = 'PROPRIETARY_MODULE' | 'OOT_MODULE' | 'UNSIGNED_MODULE' | 'FORCED_MODULE';

export interface LinkedModule {
  readonly name: string;
  readonly core: readonly MemoryRegion[];
  /** Freed after init returns. */
  readonly init: readonly MemoryRegion[];
  readonly coreBytes: number;
  readonly initBytes: number;
  readonly sections: readonly SectionPlacement[];
  readonly imports: readonly ResolvedImport[];
  /** The modules this one uses (owners of its imports other than vmlinux), each once. */
  readonly uses: readonly string[];
  readonly exports: readonly LinkedExport[];
  readonly initAddress?: bigint;
  readonly exitAddress?: bigint;
  /** Taint flags loading this module sets, by the kernel's names. */
  readonly taints: readonly ModuleTaint[];
  /** Taint letters in the kernel's order ('P', 'O', 'F', 'E'), as /proc/modules shows them. */
  readonly taintLetters: string;
  /** The kernel's log lines for this load (warnings that did not stop it). */
  readonly kernelLog: readonly string[];
}

/** A load the kernel refuses: errno, the kernel's message, and all of its log lines. */
export interface LinkRefusal extends Failure<'ENOEXEC' | 'ENOENT' | 'EINVAL' | 'ENOMEM'> {
  readonly file: string;
  /** limit: past one of the linker's limits (ENOMEM); bad-name: a module name the kernel cannot use (EINVAL). */
  readonly reason: 'malformed' | 'limit' | 'bad-name' | 'bad-vermagic' | 'unknown-symbol' | 'gpl-only-symbol' | 'symbol-version' | 'namespace' | 'relocation';
  readonly kernelLog: readonly string[];
}
