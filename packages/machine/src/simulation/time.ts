import type { Machine } from '@kmodsim/cpu';

// Simulated time follows wall time: simulated cycle 0 is the boot, and a command given t ms
// after it runs at t ms' worth of cycles of the machine's clock rate. Between commands the
// machine idles (timers still fire), so a holder's --for ends at its wall time, whichever
// command happens to replay past it.

export function cyclesPerMs(machine: Machine): number {
  return machine.profile.ghz * 1e6;
}

export function cyclesAt(machine: Machine, bootWallMs: number, wallMs: number): number {
  return Math.max(0, wallMs - bootWallMs) * cyclesPerMs(machine);
}

export function wallMsAt(machine: Machine, bootWallMs: number, cycles: number): number {
  return bootWallMs + cycles / cyclesPerMs(machine);
}

/**
 * The longest --for: a day. A holder that should stay longer is started without --for and ended
 * with kmodsim release; the bound keeps its end a real date and an exact cycle count.
 */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** Parses --for values: 30, 30s, 500ms, 2m, 1h (seconds when bare), from 1 ms to MAX_DURATION_MS. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (match === null) return undefined;
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  const ms = Math.round(Number(match[1]) * scale);
  // Zero would start a holder that has let go before its pid is printed.
  return ms >= 1 && ms <= MAX_DURATION_MS ? ms : undefined;
}
