import type { BenchmarkLine } from '@kmodsim/bench';
import { MEASURED_COSTS } from '../src/check/measured-costs.js';
import { best, type Timed } from './timed-bin.js';

// compare.order: whether the figures check --workers sends the pairs by, longest first
// (src/check/measured-costs.ts), still rank the pairs as they are today. It reads the
// executions of each pair from the table of the check run explore.matrix timed (no search of its
// own) and puts them against the recorded ones: Spearman's rank correlation, goal >= 0.9, and how
// many pairs moved by more than twice either way. Below the goal, measure the figures again (see
// bench/pair-costs.ts): stale ones cost --workers time, never a verdict.

const GOAL = 0.9;
/** A table row: strategy, scenario, verdict, executions. */
const ROW = /^(\S+)\s+(\S+)\s+(?:CLEAN|EXPECTED|VIOLATION|MISSED|INCOMPLETE|ERROR)\s+(\d+)\s/gm;

export function benchOrder(checks: readonly Timed[]): BenchmarkLine {
  const today = new Map([...best(checks).stdout.matchAll(ROW)].map((row) => [`${row[1] ?? ''} ${row[2] ?? ''}`, Number(row[3])]));
  const both: (readonly [number, number])[] = [];
  for (const [scenario, figures] of Object.entries(MEASURED_COSTS.pairs)) {
    for (const [strategy, [, executions]] of Object.entries(figures)) {
      const now = today.get(`${strategy} ${scenario}`);
      if (now !== undefined) both.push([executions, now]);
    }
  }
  const rho = spearman(both);
  const drifted = both.filter(([then, now]) => now > 2 * then || then > 2 * now).length;
  return {
    name: 'compare.order', value: round(rho), unit: "Spearman's rho, recorded executions against today's", baseline: 1, ratio: round(rho), goal: `>= ${GOAL}`,
    pairs: both.length, drifted, recorded: MEASURED_COSTS.source,
    note: 'pairs = those in both; drifted = pairs whose executions today are more than twice, or less than half, the recorded ones',
  };
}

/** Spearman's rank correlation of the pairs' two values (tied values share their mean rank). */
function spearman(values: readonly (readonly [number, number])[]): number {
  const first = ranks(values.map(([a]) => a));
  const second = ranks(values.map(([, b]) => b));
  return pearson(first, second);
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranked = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
    for (let at = start; at <= end; at++) ranked[order[at]?.index ?? 0] = (start + end) / 2;
    start = end + 1;
  }
  return ranked;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const [ma, mb] = [mean(a), mean(b)];
  let [cross, sa, sb] = [0, 0, 0];
  a.forEach((value, index) => {
    const other = b[index] ?? mb;
    cross += (value - ma) * (other - mb);
    sa += (value - ma) ** 2;
    sb += (other - mb) ** 2;
  });
  return sa === 0 || sb === 0 ? 0 : cross / Math.sqrt(sa * sb);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
