import type { Counterexample, Matrix, MatrixCell, TimelineRow } from '../report-data.js';
import { escapeHtml as e } from './escape.js';
import { formatCount, formatMs } from './format.js';

// The correctness matrix, a row per scenario and a column per strategy, and every counterexample
// as a timeline with a column per CPU. A counterexample is shown when its cell is clicked: the
// cell links to it and CSS shows the linked one (:target), so it needs no script.

export function matrixHtml(matrix: Matrix): string {
  const head = `<tr><th scope="col" class="corner">scenario \\ strategy</th>${matrix.strategies.map((name) => `<th scope="col" class="strategy"><span>${e(name)}</span></th>`).join('')}</tr>`;
  const rows = matrix.scenarios.map((scenario) => {
    const cells = matrix.strategies.map((strategy) => {
      const cell = matrix.cells.find((entry) => entry.strategy === strategy && entry.scenario === scenario);
      return cell === undefined ? '<td class="cell none"></td>' : cellHtml(cell);
    });
    return `<tr><th scope="row">${e(scenario)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="matrix" id="matrix-table"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function cellHtml(cell: MatrixCell): string {
  const bounds = cell.bounds === null ? '' : `within ${cell.bounds.preemptions} preemptions, ${cell.bounds.irqs} interrupts`;
  const time = cell.searchMs === null ? '' : `<span class="figures">${formatMs(cell.searchMs)}</span>`;
  const figures = cell.verdict === 'n/a' || cell.verdict === 'error' ? '' : `<span class="figures">${formatCount(cell.executions)} ex</span>${time}`;
  const title = [`${cell.strategy} × ${cell.scenario}: ${cell.verdict.toUpperCase()}`, cell.detail, bounds].filter((part) => part !== '').join('\n');
  const verdict = `<span class="verdict">${cell.verdict.toUpperCase()}</span>`;
  const body = cell.counterexample === null ? `${verdict}${figures}` : `<a href="#${e(cell.counterexample.id)}" class="to-counterexample">${verdict}${figures}</a>`;
  const classes = ['cell', verdictClass(cell.verdict), ...(cell.surprise ? ['surprise'] : [])].join(' ');
  return `<td class="${classes}" data-strategy="${e(cell.strategy)}" data-scenario="${e(cell.scenario)}" data-verdict="${cell.verdict}" title="${e(title)}">${body}</td>`;
}

/** Every counterexample of the matrix, each hidden until its cell is clicked. */
export function counterexamplesHtml(matrix: Matrix): string {
  const shown = matrix.cells.filter((cell) => cell.counterexample !== null);
  if (shown.length === 0) return '<p class="note">No search found a violation: there is no counterexample to show.</p>';
  return [
    '<p class="note hint">Click a cell with a violation (EXPECTED, VIOLATION) to see its counterexample here.</p>',
    ...shown.map((cell) => (cell.counterexample === null ? '' : counterexampleHtml(cell, cell.counterexample))),
  ].join('\n');
}

function counterexampleHtml(cell: MatrixCell, example: Counterexample): string {
  const file = `${cell.strategy}.${cell.scenario}.perfetto.json`.replace(/[^\w.-]+/g, '_');
  const trace = `data:application/json;base64,${Buffer.from(JSON.stringify(example.perfetto)).toString('base64')}`;
  const dropped = example.perfettoDropped > 0 ? ` (its last ${formatCount(example.perfetto.traceEvents.length)} events; ${formatCount(example.perfettoDropped)} earlier ones are in the replay's)` : '';
  return `<article class="counterexample" id="${e(example.id)}" data-strategy="${e(cell.strategy)}" data-scenario="${e(cell.scenario)}">
<h3>${e(cell.strategy)} × ${e(cell.scenario)} <span class="badge ${verdictClass(cell.verdict)}">${cell.verdict.toUpperCase()}</span></h3>
<p class="finding"><strong>${e(example.kind)}</strong>: ${e(example.message)}</p>
<p class="facts">${example.preemptions} preemptions, ${example.irqs} interrupts, ${formatCount(example.steps)} steps after setup, on ${example.cpuCount} CPUs.</p>
<p>Replay it with its full trace:</p>
<pre class="replay"><code>${e(example.replay)}</code></pre>
<p><a class="perfetto" download="${e(file)}" href="${trace}">Download the Perfetto trace</a>${dropped}: open it in Perfetto's UI (Open trace file), one track per CPU.</p>
${timelineHtml(example)}
</article>`;
}

function timelineHtml(example: Counterexample): string {
  const cpus = Array.from({ length: example.cpuCount }, (_, cpu) => cpu);
  const head = `<tr><th scope="col">step</th>${cpus.map((cpu) => `<th scope="col">CPU ${cpu}</th>`).join('')}</tr>`;
  const hidden = example.hiddenRows > 0 ? `<tr class="hidden-rows"><td colspan="${example.cpuCount + 1}">… ${formatCount(example.hiddenRows)} earlier steps not shown (the replay prints them all)</td></tr>` : '';
  return `<table class="timeline"><thead>${head}</thead><tbody>${hidden}${example.timeline.map((row) => timelineRow(row, cpus)).join('')}</tbody></table>`;
}

function timelineRow(row: TimelineRow, cpus: readonly number[]): string {
  const step = row.step === null ? 'after' : String(row.step);
  const text = row.fault ? `<span class="fault-mark" aria-label="fault">⚠</span> ${e(row.text)}` : e(row.text);
  const cells = row.cpu === null
    ? `<td colspan="${cpus.length}">${text}</td>`
    : cpus.map((cpu) => (cpu === row.cpu ? `<td class="step-cell">${text}</td>` : '<td></td>')).join('');
  return `<tr${row.fault ? ' class="fault"' : ''}><th scope="row">${step}</th>${cells}</tr>`;
}

/** The class that colours a verdict ('n/a' is 'v-na'). */
export function verdictClass(verdict: MatrixCell['verdict']): string {
  return `v-${verdict.replace('/', '')}`;
}
