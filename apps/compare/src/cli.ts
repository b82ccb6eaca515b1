import { checkCommand } from './check/check.js';
import { mergeCommand } from './merge/merge.js';
import { scenariosCommand } from './scenarios-command.js';
import { UsageError, type CompareIo } from './io.js';

const USAGE = `Usage: kmodsim-compare COMMAND [OPTIONS]

Commands:
  check    check refcount strategies against the scenario suite (see: kmodsim-compare check --help)
  merge    join the shards of searches run apart into one verdict each (see: kmodsim-compare merge --help)
  scenarios  list the scenario catalogue: what each exercises, its bounds, what it catches
`;

export async function main(argv: readonly string[], io: CompareIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await checkCommand(rest, io);
      case 'merge':
        return mergeCommand(rest, io);
      case 'scenarios':
        return scenariosCommand(rest, io);
      case '-h':
      case '--help':
        io.stdout.write(USAGE);
        return 0;
      default:
        throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`kmodsim-compare: ERROR: ${error.message}\n${command === 'check' || command === 'merge' || command === 'scenarios' ? '' : USAGE}`);
    return 2;
  }
}
