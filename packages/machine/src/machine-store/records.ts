// What a machine directory holds, as plain data: the boot configuration and the journal's
// commands. The simulation gives them meaning (src/simulation); the store only keeps them safe.

import type { ArchLocalFlavour } from '@kmodsim/refcount';

/** The kernel a machine boots: the embedded one, or a real module tree with its Module.symvers. */
export type KernelSource =
  | { readonly kind: 'embedded'; readonly release: string }
  | { readonly kind: 'tree'; readonly release: string; readonly moduleDir: string; readonly symvers: string; readonly vermagic: string };

/** A key on the kernel's built-in keyring, named as a module signature names it. */
export interface TrustedKeyRecord {
  /** The certificate issuer's common name: modinfo's `signer`. */
  readonly signer: string;
  /** The serial number in lower-case hex: modinfo's `sig_key` without its colons. */
  readonly keyId: string;
  /**
   * The key's X.509 certificate as PEM, taken from the kernel image at boot so that later
   * commands verify signatures without decompressing vmlinuz again. Absent when the tree had no
   * vmlinuz (or the machine was booted before certificates were kept): the key is then known
   * only by name, and a signature naming it is taken as valid.
   */
  readonly certificate?: string;
}

/**
 * How the machine's kernel treats module signatures, decided at boot. A machine without it was
 * booted on a kernel built without CONFIG_MODULE_SIG (or before kmodsim checked signatures).
 */
export interface ModuleSigningRecord {
  /** module.sig_enforce=1 on the kernel command line (kmodsim boot --sig-enforce). */
  readonly enforce: boolean;
  readonly trustedKeys: readonly TrustedKeyRecord[];
}

export interface BootConfig {
  readonly cpuCount: number;
  readonly strategy: string;
  readonly arch: ArchLocalFlavour;
  readonly forceUnload: boolean;
  readonly kernel: KernelSource;
  /** Wall time of the boot: simulated time 0. */
  readonly bootWallMs: number;
  readonly moduleSigning?: ModuleSigningRecord;
}

/** A module image a command loads, kept in the machine directory by content so replays never depend on the original file. */
export interface ImageRef {
  readonly name: string;
  /** The path the user gave (or modprobe found), for messages. */
  readonly file: string;
  readonly sha256: string;
}

export type JournalCommand =
  | {
    readonly kind: 'insmod';
    readonly tool: 'insmod' | 'modprobe';
    readonly images: readonly ImageRef[];
    readonly params: readonly string[];
    /** modprobe: a module already loaded is left alone. */
    readonly skipLoaded: boolean;
    /** insmod -f / --force-vermagic / --force-modversion. */
    readonly force: { readonly ignoreVermagic: boolean; readonly ignoreModversions: boolean };
  }
  | {
    readonly kind: 'rmmod';
    readonly tool: 'rmmod' | 'modprobe';
    readonly names: readonly string[];
    readonly wait: boolean;
    readonly force: boolean;
    /** modprobe -r: dependencies removed afterwards when nothing uses them any more. */
    readonly thenIfUnused: readonly string[];
  }
  | { readonly kind: 'hold'; readonly module: string; readonly forMs: number | null }
  | { readonly kind: 'release'; readonly pid: number };

export interface JournalRecord {
  /** 1, 2, 3, ...: a gap or a repeat is damage. */
  readonly seq: number;
  /** When the command was given: the machine runs idle up to here before applying it. */
  readonly wallMs: number;
  readonly command: JournalCommand;
}
