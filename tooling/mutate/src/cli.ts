#!/usr/bin/env node
import { listMutants } from './campaign.js';
import { defaultEnvironment, mutate, readEquivalents } from './main.js';
import { USAGE, parseOptions, type MutateOptions } from './options.js';
import { formatSummary, formatTable, jsonLines, score } from './report.js';

// `pnpm mutate`: thin. Parses, runs the campaign, prints; exits 1 when the score is below the
// goal or an equivalence record is contradicted, 2 on a usage error.

const GOAL = 0.95;

async function main(argv: readonly string[]): Promise<number> {
  let options: MutateOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`kmodsim-mutate: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const quiet = options.quiet;
  const environment = defaultEnvironment(quiet ? undefined : (line) => process.stderr.write(`${line}\n`));
  if (options.list) {
    const listed = await listMutants({ packageRoot: environment.packageRoot, strategies: options.strategies, only: options.only, ...(options.limit === undefined ? {} : { limit: options.limit }), runId: `l${environment.pid}` });
    for (const { mutant, strategies } of listed) process.stdout.write(`${mutant.id}  [${strategies.join(', ')}]  ${mutant.description}\n`);
    return 0;
  }
  const campaign = await mutate(options, environment);
  const equivalents = readEquivalents(environment.equivalentsFile);
  const result = score(campaign, equivalents, options.only.length === 0 && options.limit === undefined);
  process.stdout.write(options.json ? jsonLines(campaign, equivalents, result) : `${formatTable(campaign, equivalents)}\n${formatSummary(campaign, result)}`);
  return result.score >= GOAL && result.killedEquivalents.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`kmodsim-mutate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
