// Machine profiles are data: what each kind of step costs, in cycles. The machine charges every
// operation from these figures and from where the cache line it touches currently lives.

export interface MachineProfile {
  readonly name: string;
  readonly description: string;
  /** Where the figures come from. */
  readonly source: string;
  /** Clock rate, to turn cycles into time for traces. */
  readonly ghz: number;
  /** The topology a machine gets when the caller names none and the CPU count fits it. */
  readonly defaultTopology: { readonly coresPerSocket: number; readonly threadsPerCore: number; readonly socketsPerBoard: number };
  readonly cycles: ProfileCycles;
}

export interface ProfileCycles {
  /** A load or store that hits this CPU's cache; also the cost of a register-only instruction. */
  readonly hit: number;
  /** Moving a line from the SMT sibling (shared L1/L2). */
  readonly sameCore: number;
  /** Moving a line from another core of the same socket. */
  readonly sameSocket: number;
  /** Moving a line from another socket on the same board. */
  readonly otherSocket: number;
  /** Moving a line across the interconnect between boards. */
  readonly otherBoard: number;
  /** Fetching a line no cache holds. */
  readonly memory: number;
  /** What a bus-locked read-modify-write adds to the access (the `lock` prefix). */
  readonly atomicOverhead: number;
  /** local_irq_disable / local_irq_enable (cli / sti). */
  readonly irqToggle: number;
  /** local_irq_save / local_irq_restore (pushf + cli / popf). */
  readonly irqSaveRestore: number;
  /** preempt_disable / preempt_enable: a per-CPU counter increment. */
  readonly preemptToggle: number;
  /** Entering and leaving an interrupt handler. */
  readonly irqEntry: number;
  /** Sending an inter-processor interrupt, charged to the sender. */
  readonly ipiSend: number;
  /** From sending an IPI to the target being able to take it. */
  readonly ipiLatency: number;
  /** Switching from one task to another on a CPU. */
  readonly contextSwitch: number;
  /** One cpu_relax() (x86 PAUSE). */
  readonly cpuRelax: number;
  /** Allocating or freeing a memory object. */
  readonly allocFree: number;
}

export const genericProfile: MachineProfile = {
  name: 'generic',
  description: 'A small generic SMP machine: round figures of the right order for a modern x86 server.',
  source: 'Round numbers chosen for teaching; ratios follow the calibrated profile below.',
  ghz: 2.0,
  defaultTopology: { coresPerSocket: 64, threadsPerCore: 1, socketsPerBoard: 2 },
  cycles: {
    hit: 1,
    sameCore: 10,
    sameSocket: 80,
    otherSocket: 250,
    otherBoard: 600,
    memory: 180,
    atomicOverhead: 18,
    irqToggle: 2,
    irqSaveRestore: 4,
    preemptToggle: 1,
    irqEntry: 60,
    ipiSend: 200,
    ipiLatency: 1000,
    contextSwitch: 2000,
    cpuRelax: 40,
    allocFree: 100,
  },
};

/**
 * Calibrated from Paul E. McKenney, "Is Parallel Programming Hard, And, If So, What Can You Do
 * About It?" (perfbook), chapter "Hardware and its Habits", file cpu/overheads.tex: the table of
 * synchronization costs seen from CPU 0 of an 8-socket system with Intel Xeon Platinum 8176 CPUs
 * at 2.10 GHz (28 cores per socket, 2 hardware threads per core; sockets joined in two groups
 * of four, "across interconnect" being the far group).
 *
 * Published figures (ns): same-CPU CAS 7.0, lock+unlock 15.4; same-core blind CAS 7.2, CAS 18.0;
 * same-socket blind CAS 47.5, CAS 101.9; other-socket blind CAS 148.8, CAS 442.9; across the
 * interconnect blind CAS 336.6, CAS 944.8.
 *
 * Derivation: a blind CAS is one coherence transfer plus the locked operation, so a transfer costs
 * the blind CAS minus the same-CPU CAS (7.0 ns = 15 cycles, our atomic overhead plus a hit). A CAS
 * that first loads the line is two transfers in this model (share, then upgrade), which gives
 * 199 cycles same-socket against the table's 214, and 1253 across the interconnect against 1984:
 * the model understates the far cases, which only ever makes the per-CPU designs look worse.
 * Figures not in the table (IRQ toggling, context switch, IPI) are typical Skylake-SP values.
 */
export const xeon8176PerfbookProfile: MachineProfile = {
  name: 'xeon-8176-perfbook',
  description: '8-socket Intel Xeon Platinum 8176 at 2.1 GHz, calibrated from perfbook\'s table of CAS and cache-miss costs.',
  source: 'perfbook, cpu/overheads.tex, CPU 0 view of synchronization mechanisms on an 8-socket Xeon Platinum 8176 system',
  ghz: 2.1,
  defaultTopology: { coresPerSocket: 28, threadsPerCore: 2, socketsPerBoard: 4 },
  cycles: {
    hit: 1,
    sameCore: 1,
    sameSocket: 85,
    otherSocket: 298,
    otherBoard: 692,
    memory: 190,
    atomicOverhead: 14,
    irqToggle: 3,
    irqSaveRestore: 20,
    preemptToggle: 1,
    irqEntry: 150,
    ipiSend: 300,
    ipiLatency: 2100,
    contextSwitch: 3000,
    cpuRelax: 140,
    allocFree: 120,
  },
};

export const profiles = {
  generic: genericProfile,
  'xeon-8176-perfbook': xeon8176PerfbookProfile,
} as const satisfies Record<string, MachineProfile>;

export type ProfileName = keyof typeof profiles;
