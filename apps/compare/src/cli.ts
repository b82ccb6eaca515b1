import { checkCommand } from './check/check.js';
import { costCommand } from './cost/cost.js';
import { mergeCommand } from './merge/merge.js';
import { reportCommand } from './report/report-command.js';
import { scenariosCommand } from './scenarios-command.js';
import { getopt, reportOptionError } from '@kmodsim/cli';
import { OptionError, UsageError, type CompareIo } from './io.js';

const USAGE = `Usage: kmodsim-compare COMMAND [OPTIONS]

Commands:
  check    check refcount strategies against the scenario suite (see: kmodsim-compare check --help)
  cost     price refcount strategies at 1 to 1024 CPUs on the simulated machine (see: kmodsim-compare cost --help)
  merge    join the shards of searches run apart into one verdict each (see: kmodsim-compare merge --help)
  scenarios  list the scenario catalogue: what each exercises, its bounds, what it catches
  report   check and price the strategies into one HTML page with charts (see: kmodsim-compare report --help)
`;

export async function main(argv: readonly string[], io: CompareIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await checkCommand(rest, io);
      case 'cost':
        return await costCommand(rest, io);
      case 'merge':
        return mergeCommand(rest, io);
      case 'scenarios':
        return scenariosCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      case '-h':
      case '--help':
        io.stdout.write(USAGE);
        return 0;
      case undefined:
        throw new UsageError('no command given');
      default: {
        // An option where the command should be: getopt's words for it, as for any option.
        const parsed = command.startsWith('-') ? getopt('kmodsim-compare', [command], []) : undefined;
        if (parsed?.ok === false) throw new OptionError(parsed.message);
        throw new UsageError(`unknown command '${command}'`);
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const known = command === 'check' || command === 'cost' || command === 'merge' || command === 'scenarios' || command === 'report';
    if (error instanceof OptionError) return reportOptionError(io, known ? `kmodsim-compare ${command}` : 'kmodsim-compare', error.message);
    const status = reportUsageError(io, error.message);
    // Without a command it is not clear what the user wanted: the commands there are.
    if (!known) io.stderr.write(USAGE);
    return status;
  }
}

/**
 * A usage error: `kmodsim-compare: what is wrong`, on one line, exit 2, as getopt's own messages
 * read. No "ERROR:": on check's stderr that word names a pair whose search could not run (exit 1),
 * which a usage error is not.
 */
function reportUsageError(io: CompareIo, message: string): number {
  io.stderr.write(`kmodsim-compare: ${message.replace(/\s*\n\s*/g, '; ')}\n`);
  return 2;
}
