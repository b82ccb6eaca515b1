import type { StoreResult } from '../machine-store/machine-store.js';
import type { CommandOutcome } from '../simulation/outcomes.js';
import { refresh } from '../simulation/operations.js';

// A tool that waits for the simulated kernel (rmmod --wait): it does not hold the machine's
// lock while it waits, so other terminals can release the module's users; every poll rebuilds
// the machine up to now and looks at the command's outcome again.

const POLL_MS = 100;

export type WaitEnd = { readonly kind: 'interrupted' } | { readonly kind: 'seen'; readonly outcome: CommandOutcome | undefined };

/** Waits until `done` says so of the command's outcome, or the user interrupts; reports progress on the way. */
export async function waitForCommand(
  dir: string, seq: number, signal: AbortSignal | undefined, done: (outcome: CommandOutcome | undefined) => boolean, progress: (outcome: CommandOutcome | undefined) => void,
): Promise<StoreResult<WaitEnd>> {
  for (;;) {
    if (!(await pause(POLL_MS, signal))) return { ok: true, value: { kind: 'interrupted' } };
    const seen = refresh(dir, Date.now(), (session) => session.outcomeOf(seq));
    if (!seen.ok) return seen;
    progress(seen.value.seen);
    if (done(seen.value.seen)) return { ok: true, value: { kind: 'seen', outcome: seen.value.seen } };
  }
}

/** Resolves true after ms, or false as soon as the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
