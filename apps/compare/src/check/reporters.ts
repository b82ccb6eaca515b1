import type { MemoryModelName } from '@kmodsim/cpu';
import type { CompareIo } from '../io.js';
import {
  formatNotApplicable, formatSearchError, formatVerdict, incompleteWhy, isFailure, notApplicableJson, searchErrorJson, verdictHeader, verdictJson,
  type Columns, type ShardOfSearch, type Verdict,
} from './verdict.js';

// How check prints what it found: the table a person reads, JSON lines that merge joins, or
// JUnit XML a CI system shows. Each hears every pair in order, then the summary.

export interface CheckSummary {
  /** Every pair, N/A ones included. */
  pairs: number;
  clean: number;
  expected: number;
  unexpected: number;
  /** Of the unexpected, searches stopped at the cap before they were exhausted. */
  incomplete: number;
  notApplicable: number;
  executions: number;
  wallMs: number | undefined;
  /** The machine's memory model every pair was searched under. */
  readonly memory: MemoryModelName;
}

export interface CheckReporter {
  notApplicable(strategy: string, scenario: string, reason: string): void;
  /** A pair with no verdict: its search could not run, or found nothing that proves anything (`executions`: how many it ran). */
  error(strategy: string, scenario: string, reason: string, executions: number): void;
  /** A verdict, with the column view of its counterexample when it is a surprise. */
  verdict(verdict: Verdict, columnView: string | undefined): void;
  end(summary: CheckSummary): void;
}

export function emptySummary(memory: MemoryModelName): CheckSummary {
  return { pairs: 0, clean: 0, expected: 0, unexpected: 0, incomplete: 0, notApplicable: 0, executions: 0, wallMs: undefined, memory };
}

/** Counts a pair the scenario cannot judge into the summary. */
export function tallyNotApplicable(summary: CheckSummary): void {
  summary.pairs++;
  summary.notApplicable++;
}

/** Counts a pair with no verdict (its search could not run, or proves nothing) into the summary: a surprise. */
export function tallyError(summary: CheckSummary, executions: number): void {
  summary.pairs++;
  summary.unexpected++;
  summary.executions += executions;
}

/** Counts a verdict into the summary. */
export function tally(summary: CheckSummary, verdict: Verdict): void {
  summary.pairs++;
  summary.executions += verdict.report.counts.executions;
  if (verdict.verdict === 'incomplete') summary.incomplete++;
  if (isFailure(verdict)) summary.unexpected++;
  else if (verdict.verdict === 'expected') summary.expected++;
  else summary.clean++;
}

/**
 * The closing line: every pair, then how many of them are clean, expected, a surprise and N/A
 * (these four add up to the pairs), the executions, and the memory model, sc included: the same
 * pairs can be clean under one and not under the other.
 */
export function formatSummary(summary: CheckSummary): string {
  const time = summary.wallMs === undefined ? '' : ` in ${(summary.wallMs / 1000).toFixed(1)} s`;
  const incomplete = summary.incomplete > 0 ? ` (${summary.incomplete} incomplete: no verdict)` : '';
  return `${counted(summary.pairs, 'pair')}: ${summary.clean} clean, ${summary.expected} expected, ${summary.unexpected} unexpected${incomplete}, ${summary.notApplicable} n/a; ${counted(summary.executions, 'execution')}${time} under ${summary.memory}\n`;
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function tableReporter(io: CompareIo, columns: Columns): CheckReporter {
  io.stdout.write(verdictHeader(columns));
  return {
    notApplicable: (strategy, scenario, reason) => io.stdout.write(formatNotApplicable(strategy, scenario, reason, columns)),
    error: (strategy, scenario, reason, executions) => io.stdout.write(formatSearchError(strategy, scenario, reason, columns, executions)),
    verdict: (verdict, columnView) => {
      io.stdout.write(formatVerdict(verdict, columns));
      if (columnView !== undefined) io.stdout.write(indent(columnView));
    },
    end: (summary) => io.stdout.write(formatSummary(summary)),
  };
}

/** JSON lines on stdout (merge reads them); the summary goes to stderr so the lines stay pure. */
export function jsonReporter(io: CompareIo, shard: ShardOfSearch, memory: MemoryModelName): CheckReporter {
  return {
    notApplicable: (strategy, scenario, reason) => io.stdout.write(notApplicableJson(strategy, scenario, reason, memory)),
    error: (strategy, scenario, reason) => io.stdout.write(searchErrorJson(strategy, scenario, reason, memory)),
    verdict: (verdict) => io.stdout.write(verdictJson(verdict, shard)),
    end: (summary) => io.stderr.write(formatSummary(summary)),
  };
}

interface JunitCase {
  readonly name: string;
  readonly className: string;
  readonly body: string;
}

/** A JUnit XML report: a testsuite, a testcase per pair; surprises are failures, N/A is skipped. */
export function junitReporter(io: CompareIo): CheckReporter {
  const cases: JunitCase[] = [];
  const add = (strategy: string, scenario: string, body: string): void => {
    cases.push({ name: scenario, className: `kmodsim-compare.${strategy}`, body });
  };
  return {
    notApplicable: (strategy, scenario, reason) => {
      add(strategy, scenario, `<skipped message="${xml(reason)}"/>`);
    },
    error: (strategy, scenario, reason) => {
      add(strategy, scenario, `<error message="${xml(reason)}"/>`);
    },
    verdict: (verdict, columnView) => {
      const failed = isFailure(verdict);
      const found = verdict.verdict === 'incomplete' ? incompleteWhy(verdict.report) : verdict.violation === undefined ? 'no violation found' : `${verdict.violation.kind}: ${verdict.violation.message}`;
      const what = `${verdict.verdict.toUpperCase()}: ${found}`;
      const detail = [what, verdict.replay === undefined ? '' : `replay: ${verdict.replay}`, columnView ?? ''].filter((part) => part !== '').join('\n');
      add(verdict.strategy, verdict.scenario, failed ? `<failure message="${xml(what)}" type="${verdict.verdict}">${xml(detail)}</failure>` : `<system-out>${xml(detail)}</system-out>`);
    },
    end: (summary) => {
      const failures = cases.filter((entry) => entry.body.startsWith('<failure')).length;
      const errors = cases.filter((entry) => entry.body.startsWith('<error')).length;
      const skipped = cases.filter((entry) => entry.body.startsWith('<skipped')).length;
      const time = summary.wallMs === undefined ? '' : ` time="${(summary.wallMs / 1000).toFixed(3)}"`;
      // The suite's settings as JUnit carries them: the memory model every pair was searched under.
      const properties = `    <properties><property name="memory" value="${summary.memory}"/></properties>`;
      const body = cases.map((entry) => `    <testcase name="${xml(entry.name)}" classname="${xml(entry.className)}">${entry.body}</testcase>`).join('\n');
      io.stdout.write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="kmodsim-compare check" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"${time}>\n${properties}\n${body}\n  </testsuite>\n</testsuites>\n`);
    },
  };
}

/** Characters XML 1.0 cannot hold, escaped or not: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF. */
// eslint-disable-next-line no-control-regex -- the control characters XML forbids are what it must find
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for an attribute or element of the report: markup escaped, and what XML cannot hold replaced by U+FFFD. */
function xml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line === '' ? line : `    ${line}`)).join('\n');
}
