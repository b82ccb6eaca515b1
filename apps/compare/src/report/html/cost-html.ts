import type { CostReport } from '../../cost/cost-report.js';
import type { ChartsData } from '../chart-spec.js';
import { undrawn } from '../charts.js';
import { escapeHtml as e } from './escape.js';

/**
 * The cost section: the profile the figures were charged by, and a figure per chart that the
 * page's script fills with Observable Plot (its caption and notes are here, so they read without
 * it). `costNote` says why there are no prices, when there are none.
 */
export function costHtml(cost: CostReport | null, charts: ChartsData | null, costNote: string | null): string {
  if (cost === null || charts === null) return `<p class="note">${e(costNote ?? 'No prices.')}</p>`;
  const profile = `<p class="profile">Simulated on the <strong>${e(cost.profile.name)}</strong> machine profile (${e(cost.profile.description)}), at ${cost.profile.ghz} GHz: each figure is cycles from its cost model over its clock, exact and the same on every run. The CPU axis is logarithmic, and so is every cost axis but the coherence share's: a figure of 0 (no other CPU to stop on a one-CPU machine) has no point there. Hover over a point for its value.</p>`;
  const figures = charts.charts.map((chart) => {
    const missing = undrawn(chart, cost);
    const note = missing.length === 0 ? '' : `<p class="note">No line: ${missing.map(({ strategy, why }) => `${e(strategy)} (${why})`).join(', ')}.</p>`;
    return `<figure class="chart" data-chart="${e(chart.key)}" data-series="${chart.series.length}"><figcaption>${e(chart.title)}</figcaption><div class="plot"></div>${note}</figure>`;
  });
  const failed = cost.strategies.flatMap((entry) => (entry.ok ? [] : [`<li><strong>${e(entry.strategy)}</strong>: ERROR: ${e(entry.error)}</li>`]));
  const errors = failed.length === 0 ? '' : `<p>Not priced, because its code faulted:</p><ul class="errors">${failed.join('')}</ul>`;
  return `${profile}<div id="legend" class="legend"></div><div class="charts">${figures.join('\n')}</div>${errors}`;
}
