#!/usr/bin/env node
import { USAGE_STATUS, endOnClosedPipe, reportOptionError, reportUsageError } from '@kmodsim/cli';
import { soundStrategies } from '@kmodsim/refcount';
import { listMutants } from './campaign.js';
import { readEquivalents } from './equivalents.js';
import { defaultEnvironment, mutate, type Environment } from './main.js';
import { PROGRAM, USAGE, mutantProblems, parseOptions, strategyProblem, type MutateOptions } from './options.js';
import { formatSummary, formatTable, jsonLines, score } from './report.js';

// `pnpm mutate`: thin. Parses, runs the campaign, prints; exits 1 when the score is below the
// goal or an equivalence record is contradicted, 2 on a usage error.

const GOAL = 0.95;

/** The usage errors in what was chosen: a strategy that is not sound, a --mutant id of no selected file. */
async function selectionProblems(options: MutateOptions, environment: Environment): Promise<string[]> {
  const strategies = strategyProblem(options.strategies, soundStrategies().map((strategy) => strategy.name));
  if (strategies !== undefined) return [strategies];
  if (options.only.length === 0) return [];
  const all = await listMutants({ packageRoot: environment.packageRoot, strategies: options.strategies, only: [], runId: `c${environment.pid}` });
  return mutantProblems(options.only, all.map((entry) => entry.mutant.id));
}

async function main(argv: readonly string[]): Promise<number> {
  const io = { stderr: process.stderr };
  const parsed = parseOptions(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'option-error':
      return reportOptionError(io, PROGRAM, parsed.message);
    case 'usage-error':
      return reportUsageError(io, PROGRAM, parsed.problem);
    case 'run':
      break;
  }
  const { options } = parsed;
  const quiet = options.quiet;
  const environment = defaultEnvironment(quiet ? undefined : (line) => process.stderr.write(`${line}\n`));
  const problems = await selectionProblems(options, environment);
  for (const problem of problems) reportUsageError(io, PROGRAM, problem);
  if (problems.length > 0) return USAGE_STATUS;
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

// A reader that stops early (`--list | head`) closes the pipe: that ends the output, it is no error.
endOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`kmodsim-mutate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
