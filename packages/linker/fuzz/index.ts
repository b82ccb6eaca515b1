import { parseArgs } from 'node:util';
import { runCampaign } from './campaign.js';
import { reportFuzz } from './report.js';

// pnpm fuzz [--seconds N] [--seed S] [--no-tree]: the linker's fuzz campaign on demand. Exit
// status 1 when any input crashed or hung (each is kept in fuzz/corpus/).

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' }, 'no-tree': { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) {
  process.stderr.write(`fuzz: --seconds takes a positive number, not '${values.seconds}'\n`);
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const summary = await runCampaign({ seconds, seed, tree: !values['no-tree'], log: (line) => process.stderr.write(`${line}\n`) });
reportFuzz(summary, (line) => process.stdout.write(line));
process.exitCode = summary.failures.length > 0 ? 1 : 0;
