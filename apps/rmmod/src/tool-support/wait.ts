import type { CliIo } from '@kmodsim/cli';
import { type StoreResult, type CommandOutcome, refresh } from '@kmodsim/machine';

// A tool that waits for the simulated kernel (rmmod --wait): it does not hold the machine's
// lock while it waits, so other terminals can release the module's users; every poll rebuilds
// the machine up to now and looks at the command's outcome again. The loop stays in the tool,
// not in @kmodsim/machine: in kmod too the waiting is the tool's (modprobe.c's --wait polls and
// sleeps between attempts), and libkmod only answers each one.

const POLL_MS = 100;

export type WaitEnd =
  | { readonly kind: 'interrupted' }
  /** The machine was booted again: the command, and the kernel it slept in, are gone. */
  | { readonly kind: 'rebooted' }
  | { readonly kind: 'seen'; readonly outcome: CommandOutcome | undefined };

/** The command waited on: its record's number in the journal of the boot made at `bootWallMs`. */
export interface WaitedCommand {
  readonly seq: number;
  readonly bootWallMs: number;
}

/** Waits until `done` says so of the command's outcome, the user interrupts, or the machine reboots; reports progress on the way. */
export async function waitForCommand(
  dir: string, command: WaitedCommand, io: Pick<CliIo, 'clock' | 'signal'>, done: (outcome: CommandOutcome | undefined) => boolean, progress: (outcome: CommandOutcome | undefined) => void,
): Promise<StoreResult<WaitEnd>> {
  for (;;) {
    if (!(await io.clock.sleepMs(POLL_MS, io.signal))) return { ok: true, value: { kind: 'interrupted' } };
    // A new boot starts a new journal, whose record `seq` (if any) is some other command.
    const seen = await refresh(dir, io.clock.nowMs(), (session, config) => (config.bootWallMs === command.bootWallMs ? { outcome: session.outcomeOf(command.seq) } : undefined));
    if (!seen.ok) return seen;
    if (seen.value.seen === undefined) return { ok: true, value: { kind: 'rebooted' } };
    const { outcome } = seen.value.seen;
    progress(outcome);
    if (done(outcome)) return { ok: true, value: { kind: 'seen', outcome } };
  }
}
