import { type Snapshot } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { lookAtMachine } from '@kmodsim/machine';
import { reportNotice, reportRebuilt, reportStoreError } from '../tool-support/report.js';
import { flag, parseMachineArgs } from './machine-args.js';
import { usageError } from './machine-args.js';

// kmodsim ps, dmesg and cat /proc/modules: the machine as it is now, read from its snapshot.

const PS_USAGE = `Usage: kmodsim ps [--json] [-M|--machine DIR]

The simulated machine's tasks: simulated users (kmodsim hold), an rmmod --wait asleep in D
state, kernel threads.
`;
const DMESG_USAGE = `Usage: kmodsim dmesg [--json] [-M|--machine DIR]

The simulated kernel's log: loads, unloads, taints, oopses.
`;
const CAT_USAGE = `Usage: kmodsim cat /proc/modules | /proc/sys/kernel/tainted [-M|--machine DIR]
`;

async function look(io: CliIo, command: string, argv: readonly string[], usage: string, json: boolean): Promise<{ snapshot: Snapshot; positionals: readonly string[]; json: boolean } | number> {
  const parsed = parseMachineArgs(io, command, argv, json ? [flag('json')] : [], usage);
  if (!parsed.ok) return parsed.status;
  const looked = await lookAtMachine(parsed.args.dir, io.clock.nowMs());
  if (!looked.ok) return reportStoreError(io, `kmodsim ${command}`, looked);
  reportRebuilt(io, `kmodsim ${command}`, parsed.args.dir, looked.value.rebuiltDamaged);
  reportNotice(io, `kmodsim ${command}`, looked.value.notice);
  return { snapshot: looked.value.snapshot, positionals: parsed.args.positionals, json: parsed.args.flag('json') };
}

export async function psCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const seen = await look(io, 'ps', argv, PS_USAGE, true);
  if (typeof seen === 'number') return seen;
  if (seen.positionals.length > 0) return usageError(io, 'ps', `unexpected argument '${seen.positionals[0] ?? ''}'`);
  const { tasks } = seen.snapshot;
  if (seen.json) {
    io.stdout.write(`${JSON.stringify(tasks)}\n`);
    return 0;
  }
  io.stdout.write('  PID STAT CPU COMMAND          WHAT\n');
  for (const task of tasks) {
    io.stdout.write(`${String(task.pid).padStart(5)} ${task.stat.padEnd(4)} ${String(task.cpu).padStart(3)} ${task.comm.padEnd(16)} ${task.doing}`.trimEnd() + '\n');
  }
  return 0;
}

export async function dmesgCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const seen = await look(io, 'dmesg', argv, DMESG_USAGE, true);
  if (typeof seen === 'number') return seen;
  if (seen.positionals.length > 0) return usageError(io, 'dmesg', `unexpected argument '${seen.positionals[0] ?? ''}'`);
  io.stdout.write(seen.json ? `${JSON.stringify({ taint: seen.snapshot.kernelTaint, lines: seen.snapshot.dmesg })}\n` : seen.snapshot.dmesgText);
  return 0;
}

export async function catCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const seen = await look(io, 'cat', argv, CAT_USAGE, false);
  if (typeof seen === 'number') return seen;
  if (seen.positionals.length === 0) return usageError(io, 'cat', `expected a file\n${CAT_USAGE.trimEnd()}`);
  let status = 0;
  for (const file of seen.positionals) {
    if (file === '/proc/modules') io.stdout.write(seen.snapshot.procModules);
    else if (file === '/proc/sys/kernel/tainted') io.stdout.write(`${seen.snapshot.taintMask}\n`);
    else {
      io.stderr.write(`cat: ${file}: No such file or directory\n`);
      status = 1;
    }
  }
  return status;
}
