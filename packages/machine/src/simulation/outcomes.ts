import type { Failure } from '@kmodsim/cpu';

// What a command did in the machine, as values the CLIs turn into kmod's words. A command's
// outcome fills in as its task runs: an rmmod --wait outcome stays unfinished while the task
// sleeps, and completes in a later replay once the module's users have gone.

/** A system call's failure as the module core returned it (cpu's Failure), kept in a command's outcome beside its other cases. */
export type SyscallError = Pick<Failure, 'errno' | 'message'>;

export type LoadResult =
  | { readonly kind: 'loaded' }
  | { readonly kind: 'already-loaded' }
  | ({ readonly kind: 'failed' } & SyscallError);

export interface InsmodOutcome {
  readonly kind: 'insmod';
  readonly results: { readonly name: string; readonly file: string; readonly result: LoadResult }[];
}

/** kmod's rmmod checks in user space before it calls delete_module; these are its answers and the kernel's. */
export type RemoveResult =
  | { readonly kind: 'removed' }
  | { readonly kind: 'not-loaded' }
  | { readonly kind: 'in-use-by'; readonly holders: readonly string[] }
  | { readonly kind: 'in-use' }
  | ({ readonly kind: 'failed' } & SyscallError);

export interface RmmodOutcome {
  readonly kind: 'rmmod';
  pid: number;
  readonly results: { readonly name: string; readonly result: RemoveResult }[];
  /** The module the task is asleep on (rmmod --wait), while it waits. */
  waitingFor: string | undefined;
  finished: boolean;
}

export interface HoldOutcome {
  readonly kind: 'hold';
  pid: number;
  result: { readonly kind: 'holding'; readonly how: 'device' | 'reference' } | ({ readonly kind: 'failed' } & SyscallError) | { readonly kind: 'pending' };
}

export interface ReleaseOutcome {
  readonly kind: 'release';
  readonly pid: number;
}

export type CommandOutcome = InsmodOutcome | RmmodOutcome | HoldOutcome | ReleaseOutcome;
