import { TAINT_FLAGS, formatDmesg, formatKernelTaint, formatProcModules, moduleInfo, type KernelLogEntry } from '@kmodsim/module';
import type { Fault } from '@kmodsim/cpu';
import type { Snapshot, SnapshotTask } from '../machine-store/snapshot.js';
import { DRIVER_COMM, type MachineSession } from './session.js';

// What user space sees of the machine: lsmod's and /proc/modules' rows, the kernel log with its
// oopses, the task list, the taint. Written into the snapshot after each command.

export function viewsOf(session: MachineSession, asOfWallMs: number): Omit<Snapshot, 'format' | 'journalBytes' | 'journalChecksum'> {
  const { core, machine } = session;
  const infos = core.list().map(moduleInfo);
  const dmesg = kernelLog(session);
  return {
    asOfWallMs,
    validUntilWallMs: nextChangeWallMs(session),
    kernelTaint: formatKernelTaint(core.taints),
    taintMask: TAINT_FLAGS.reduce((mask, flag, bit) => (core.taints.has(flag.name) ? mask | (1 << bit) : mask), 0),
    modules: infos.map((info) => ({ name: info.name, sizeBytes: info.sizeBytes, refcount: info.refcount, holders: info.holders, state: info.state })),
    procModules: formatProcModules(infos),
    dmesg: dmesg.map((entry) => ({ seconds: entry.cycles / (machine.profile.ghz * 1e9), text: entry.text })),
    dmesgText: formatDmesg(dmesg, machine.profile.ghz),
    tasks: tasks(session),
  };
}

/** The kernel log with the oopses the machine recorded, in time order. */
function kernelLog(session: MachineSession): KernelLogEntry[] {
  const oopses = session.machine.oopses.flatMap((fault) => oopsLines(fault, session));
  return [...session.core.log.lines, ...oopses].sort((a, b) => a.cycles - b.cycles);
}

function oopsLines(fault: Fault, session: MachineSession): KernelLogEntry[] {
  const at = (text: string): KernelLogEntry => ({ cycles: fault.cycles, text });
  return [
    at(`BUG: ${fault.kind}: ${fault.message}`),
    at(`Oops: 0000 [#${session.machine.oopses.indexOf(fault) + 1}] SMP`),
    at(`CPU: ${fault.cpu} PID: ${fault.pid} Comm: ${fault.comm} ${session.oopsTaints[session.machine.oopses.indexOf(fault)] ?? formatKernelTaint(session.core.taints)}`),
    at('---[ end trace ]---'),
  ];
}

const STAT: Readonly<Record<string, string>> = { TASK_RUNNING: 'R', TASK_INTERRUPTIBLE: 'S', TASK_UNINTERRUPTIBLE: 'D' };

function tasks(session: MachineSession): SnapshotTask[] {
  return session.machine.taskList()
    .filter((task) => task.state !== 'TASK_DEAD' && task.comm !== DRIVER_COMM)
    .map((task) => ({ pid: task.pid, stat: STAT[task.state] ?? '?', cpu: task.cpu, comm: task.comm, doing: session.notes.get(task.pid) ?? '' }));
}

/** The earliest --for end of a live holder: until then, nothing changes by itself. */
function nextChangeWallMs(session: MachineSession): number | null {
  let earliest: number | null = null;
  for (const [pid, holder] of session.holders) {
    if (holder.untilWallMs === null || !session.isAlive(pid)) continue;
    earliest = earliest === null ? holder.untilWallMs : Math.min(earliest, holder.untilWallMs);
  }
  return earliest;
}
