// The facts about the running kernel that decide whether a module may load.

export interface KernelConfig {
  /** VERMAGIC_STRING of the running kernel, e.g. "6.1.0-kmodsim SMP preempt mod_unload modversions ". */
  readonly vermagic: string;
  /** CONFIG_MODVERSIONS: check __versions CRCs against the exporters'. */
  readonly modversions: boolean;
  /** CONFIG_MODULE_SIG: an unsigned module taints ('E'). */
  readonly moduleSig: boolean;
  /** CONFIG_MODULE_FORCE_LOAD: whether --force may skip the vermagic and CRC checks. */
  readonly forceLoad: boolean;
}

/** insmod -f / --force-vermagic / --force-modversion (MODULE_INIT_IGNORE_* flags). */
export interface ForceFlags {
  readonly ignoreVermagic?: boolean;
  readonly ignoreModversions?: boolean;
}
