// Whether a process of this host has ended, asked as kill(pid, 0) asks: ESRCH means there is no
// such process. EPERM means there is one (another user's), so it counts as running; so does any
// other answer, since a file of a process that may still run must never be taken from it.

export function processHasEnded(pid: number): boolean {
  // kill(0, ...) and negative pids address process groups: no answer about one process there.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
