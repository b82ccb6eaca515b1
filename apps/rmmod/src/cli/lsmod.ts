import { machineLocation } from '@kmodsim/machine';
import { parseCommandLine, type CliIo } from '@kmodsim/cli';
import { formatLsmod } from '../kmod-text/lsmod-format.js';
import { lookAtMachine } from '@kmodsim/machine';
import { HELP_OPTION, JSON_OPTION, MACHINE_OPTION } from '../tool-support/options.js';
import { reportNotice, reportRebuilt, reportStoreError } from '../tool-support/report.js';

// lsmod: the loaded modules of the simulated machine, in kmod's format (or JSON).

const USAGE = `Usage: lsmod [--machine DIR] [--json]

Lists the modules loaded in the simulated machine as kmod's lsmod does: name, size in bytes,
use count and the modules that use each one.

Options:
  -M, --machine DIR   the machine (default: $KMODSIM_MACHINE, else ~/.local/state/kmodsim/default)
  -J, --json          one JSON array of {name, sizeBytes, refcount, holders, state}
  -h, --help          show this help
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine('lsmod', argv, [MACHINE_OPTION, JSON_OPTION, HELP_OPTION]);
  // kmod's lsmod: getopt's line alone, exit 1.
  if (!parsed.ok) {
    io.stderr.write(parsed.message);
    return 1;
  }
  const { line } = parsed;
  if (line.has('h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (line.operands.length > 0) {
    io.stderr.write(`lsmod: ERROR: unexpected argument '${line.operands[0] ?? ''}'\n${USAGE}`);
    return 1;
  }
  const where = machineLocation(line.value('M'), io.env);
  if (!where.ok) return reportStoreError(io, 'lsmod', where);
  const dir = where.value;
  const look = await lookAtMachine(dir, io.clock.nowMs());
  if (!look.ok) return reportStoreError(io, 'lsmod', look);
  reportRebuilt(io, 'lsmod', dir, look.value.rebuiltDamaged);
  reportNotice(io, 'lsmod', look.value.notice);
  const { modules } = look.value.snapshot;
  io.stdout.write(line.has('J') ? `${JSON.stringify(modules)}\n` : formatLsmod(modules));
  return 0;
}
