import type { StrategySummary } from '../report-data.js';
import { escapeHtml as e } from './escape.js';
import { formatBytes, formatNs } from './format.js';

/** A row per strategy: the matrix's answer and the prices that make the seed's argument. */
export function summaryHtml(summaries: readonly StrategySummary[]): string {
  const cpus = summaries[0]?.getPutNs.map((point) => point.cpus) ?? [];
  const head = `<tr><th scope="col">strategy</th><th scope="col">sound</th><th scope="col">waits for users</th><th scope="col">stops the machine</th>${cpus.map((count) => `<th scope="col" class="num">get+put, ${count} CPU${count === 1 ? '' : 's'}</th>`).join('')}<th scope="col" class="num">memory per module, 1024 CPUs</th></tr>`;
  return `<table class="summary"><thead>${head}</thead><tbody>${summaries.map(summaryRow).join('\n')}</tbody></table>`;
}

function summaryRow(summary: StrategySummary): string {
  const prices = summary.costError === null
    ? [...summary.getPutNs.map((point) => numberCell(point.ns === null ? null : formatNs(point.ns))), numberCell(summary.memoryBytesAt1024 === null ? null : formatBytes(summary.memoryBytesAt1024))].join('')
    : `<td colspan="${summary.getPutNs.length + 1}" class="error">ERROR: ${e(summary.costError)}</td>`;
  return `<tr data-strategy="${e(summary.strategy)}"><th scope="row">${e(summary.strategy)}</th>${soundnessCell(summary)}${yesNo(summary.waitsForUsers)}${yesNo(summary.stopsMachine)}${prices}</tr>`;
}

function soundnessCell(summary: StrategySummary): string {
  switch (summary.soundness) {
    case 'sound':
      return '<td class="sound" title="no violation of its own in the scenarios checked">sound</td>';
    case 'unsound':
      return `<td class="unsound" title="${e(summary.findings.join('\n'))}">unsound: ${e(summary.findings.slice(0, 2).join('; '))}${summary.findings.length > 2 ? ` (+${summary.findings.length - 2} more)` : ''}</td>`;
    case 'unknown':
      return '<td class="unknown" title="a search gave no verdict (ERROR, INCOMPLETE or MISSED) and none found a violation">unknown</td>';
  }
}

function yesNo(value: boolean | null): string {
  return value === null ? '<td class="none">—</td>' : `<td>${value ? 'yes' : 'no'}</td>`;
}

function numberCell(text: string | null): string {
  return text === null ? '<td class="num none" title="not priced">—</td>' : `<td class="num">${text}</td>`;
}
