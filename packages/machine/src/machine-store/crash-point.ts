// Fault injection for the store's crash tests: KMODSIM_CRASH_AT=NAME (or NAME#K for its K-th
// pass) kills this process with SIGKILL at that write point, as kill -9 or a power cut would
// between a write and the fsync or rename that makes it durable. Unset, it costs one lookup.

const wanted = process.env['KMODSIM_CRASH_AT'];
let passes = 0;

/** The write points, in the order a command that changes a machine passes them. */
export const CRASH_POINTS = [
  'lock-written', 'lock-linked',
  'append-written', 'append-synced', 'truncate-torn',
  'replace-opened', 'replace-written', 'replace-synced', 'replace-renamed',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(name: CrashPoint): void {
  if (wanted === undefined) return;
  const [point, nth] = wanted.split('#');
  if (point !== name) return;
  passes++;
  if (passes === Number(nth ?? '1')) process.kill(process.pid, 'SIGKILL');
}
