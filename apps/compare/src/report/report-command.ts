import type { MemoryModelName } from '@kmodsim/cpu';
import type { CompareIo } from '../io.js';
import type { CostReport } from '../cost/cost-report.js';
import { shellWord } from '../check/invocation.js';
import { loadStrategies, planPairs, type NamedStrategy } from '../check/pairs.js';
import { emptySummary, formatSummary, tallyNotApplicable } from '../check/reporters.js';
import { pageScript } from './assets.js';
import type { CostSource } from './cost-source.js';
import { costOnThread } from './cost-thread.js';
import { renderReportHtml } from './html/render.js';
import { searchMatrix } from './matrix.js';
import { parseReportOptions, REPORT_USAGE } from './options.js';
import type { Matrix, ReportData } from './report-data.js';
import { summarize } from './summary.js';
import { unwritable, writeAtomically } from './write-atomic.js';

const TITLE = 'Module refcount designs, judged and priced';

/**
 * `kmodsim-compare report`: check's searches and cost's prices, in one page (or JSON). The exit
 * status is check's; a report that cannot be written is 1, and leaves no file behind.
 */
export async function reportCommand(argv: readonly string[], io: CompareIo, costSource: CostSource = costOnThread): Promise<number> {
  const options = parseReportOptions(argv);
  if (options === 'help') {
    io.stdout.write(REPORT_USAGE);
    return 0;
  }
  // A report nobody can write is known before the searches, which may take minutes.
  const problem = options.out === '-' ? undefined : unwritable(options.out, io.cwd);
  if (problem !== undefined) return cannotWrite(io, problem);
  const strategies = await loadStrategies(options.check, io.cwd);
  const price = await costSource.prepare(options.cost, io);
  const started = io.now?.();
  // Priced beside the searches (a source that prices on a thread of its own takes no wall time of theirs).
  const pricing = pricesOrWhyNot(price);
  const matrix = await searchMatrix(planPairs(strategies, options.check.scenarios), options.check, io);
  const finished = io.now?.();
  const { cost, costNote } = await pricing;
  const data: ReportData = {
    title: TITLE,
    command: ['kmodsim-compare', 'report', ...argv].map(shellWord).join(' '),
    matrix,
    cost,
    costNote,
    summaries: summarize(matrix, cost, declaredWaits(strategies)),
  };
  const text = options.format === 'json' ? `${JSON.stringify(data)}\n` : renderReportHtml(data, pageScript());
  if (options.out === '-') {
    io.stdout.write(text);
  } else {
    const failed = writeAtomically(options.out, text, io.cwd);
    if (failed !== undefined) return cannotWrite(io, failed);
  }
  const wallMs = started === undefined || finished === undefined ? undefined : finished - started;
  // With the page on stdout, the summary goes to stderr, as check --json's does.
  (options.out === '-' ? io.stderr : io.stdout).write(`${summaryLine(matrix, options.check.memory, wallMs)}${options.out === '-' ? '' : `report: ${options.out}\n`}`);
  return matrix.asDeclared ? 0 : 1;
}

function cannotWrite(io: CompareIo, problem: string): number {
  io.stderr.write(`kmodsim-compare: ERROR: ${problem}\n`);
  return 1;
}

/** The prices, or why the report has none: a pricing that fails costs the cost section, never the searches' results. */
async function pricesOrWhyNot(price: () => Promise<CostReport>): Promise<{ cost: CostReport | null; costNote: string | null }> {
  try {
    return { cost: await price(), costNote: null };
  } catch (error) {
    return { cost: null, costNote: `The strategies could not be priced: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** What each strategy says of rmmod --wait (the seed's kernel, and the default, wait). */
function declaredWaits(strategies: readonly NamedStrategy[]): Map<string, boolean> {
  return new Map(strategies.map(({ strategy }) => [strategy.name, strategy.waitsForUsers ?? true]));
}

/** check's summary line, for the matrix the report holds. */
function summaryLine(matrix: Matrix, memory: MemoryModelName, wallMs: number | undefined): string {
  const summary = emptySummary(memory);
  for (const cell of matrix.cells) {
    if (cell.verdict === 'n/a') {
      tallyNotApplicable(summary);
      continue;
    }
    summary.pairs++;
    summary.executions += cell.executions;
    if (cell.verdict === 'incomplete') summary.incomplete++;
    if (cell.surprise) summary.unexpected++;
    else if (cell.verdict === 'expected') summary.expected++;
    else summary.clean++;
  }
  summary.wallMs = wallMs;
  return formatSummary(summary);
}
