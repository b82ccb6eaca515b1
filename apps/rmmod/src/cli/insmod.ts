import { checkMachineDir, machineLocation, readModuleFile, runCommand } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { insmodStrerror } from '../kmod-text/errors.js';
import { parseKmodTool } from '../tool-support/options.js';
import { reportNotice, reportStoreError } from '../tool-support/report.js';
import { syslogWriter } from '../tool-support/syslog.js';

// insmod FILE [param=value ...]: kmod's interface and messages, on the simulated machine. The
// file is linked by the simulated kernel against its symbols and the modules loaded now.

const USAGE = `Usage:
\tinsmod [options] filename [args]
Options:
\t-f, --force               DANGEROUS: forces a module load, may cause
\t                          data corruption and crash your machine.
\t    --force-vermagic      ignore the module's version magic
\t    --force-modversion    ignore the module's symbol versions
\t-s, --syslog              print to syslog, not stderr (this host's
\t                          syslog, through logger(1))
\t-v, --verbose             enables more messages
\t-V, --version             show version
\t-h, --help                show this help
\t-M, --machine DIR         the simulated machine (default: $KMODSIM_MACHINE)
`;

const OPTIONS = [
  { short: 'f', long: 'force', takesArgument: false },
  { short: '1', long: 'force-vermagic', takesArgument: false },
  { short: '2', long: 'force-modversion', takesArgument: false },
  { short: 's', long: 'syslog', takesArgument: false },
  { short: 'v', long: 'verbose', takesArgument: false },
];

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseKmodTool(io, 'insmod', argv, OPTIONS, USAGE);
  if (!parsed.ok) return parsed.status;
  const { line } = parsed;
  const report = line.has('s') ? syslogWriter('insmod') : (text: string) => { io.stderr.write(text); };
  const [file, ...params] = line.operands;
  if (file === undefined) {
    report('insmod: ERROR: missing filename.\n');
    return 1;
  }
  const where = machineLocation(line.value('M'), io.env);
  if (!where.ok) return reportStoreError(io, 'insmod', where);
  const dir = where.value;
  const notMachine = checkMachineDir(dir);
  if (notMachine !== undefined) return reportStoreError(io, 'insmod', notMachine);
  const read = await readModuleFile(file, dir);
  if (!read.ok) {
    report(read.stage === 'read' ? `insmod: ERROR: could not load module ${file}: ${read.message}\n` : `insmod: ERROR: could not insert module ${file}: ${insmodStrerror(read.errno)}\n`);
    return 1;
  }
  const force = { ignoreVermagic: line.has('f') || line.has('1'), ignoreModversions: line.has('f') || line.has('2') };
  const command = { kind: 'insmod', tool: 'insmod', images: [read.value.ref], params, skipLoaded: false, force } as const;
  const applied = await runCommand(dir, 'insmod', io.clock.nowMs(), () => command, [read.value.bytes]);
  if (!applied.ok) return reportStoreError(io, 'insmod', applied);
  reportNotice(io, 'insmod', applied.value.notice);
  const outcome = applied.value.outcome;
  const result = outcome.kind === 'insmod' ? outcome.results[0]?.result : undefined;
  if (result?.kind === 'loaded') return 0;
  report(`insmod: ERROR: could not insert module ${file}: ${result?.kind === 'failed' ? insmodStrerror(result.errno) : 'no result'}\n`);
  return 1;
}
