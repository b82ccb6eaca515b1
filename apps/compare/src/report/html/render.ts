import type { MemoryModelName } from '@kmodsim/cpu';
import type { ChartsData } from '../chart-spec.js';
import { chartsOf } from '../charts.js';
import type { ReportData } from '../report-data.js';
import { costHtml } from './cost-html.js';
import { escapeHtml as e, jsonForScript, scriptSource } from './escape.js';
import { counterexamplesHtml, matrixHtml } from './matrix-html.js';
import { STYLE } from './style.js';
import { summaryHtml } from './summary-html.js';

/**
 * Nothing is fetched, from the network or from disk: the page is whole when opened from a file,
 * offline. The policy says so to the browser too, so a mistake shows as an error, not a request.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** The report as one HTML file: the data, the page's script (`pageScript`, Observable Plot bundled in) and its style inlined. */
export function renderReportHtml(data: ReportData, pageScript: string): string {
  const charts = data.cost === null ? null : chartsOf(data.cost, [...new Set([...data.matrix.strategies, ...data.cost.strategies.map((entry) => entry.strategy)])]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${headerHtml(data)}
<main>
<section id="summary"><h2>Summary</h2>
${summaryHtml(data.summaries)}
</section>
<section id="cost"><h2>Cost against CPU count</h2>
${costHtml(data.cost, charts, data.costNote)}
</section>
<section id="correctness"><h2>Correctness: every strategy against every scenario</h2>
<p class="lede">Each cell is the verdict of an exhaustive search of the pair's interleavings within the scenario's bounds (hover for what it covered), with the executions it took and its time. EXPECTED is a violation the pair is known to show; a red outline is a surprise, which fails check.</p>
<div class="matrix-wrap">${matrixHtml(data.matrix)}</div>
<div id="counterexamples">
${counterexamplesHtml(data.matrix)}
</div>
</section>
</main>
<footer>Made by kmodsim-compare report. The figures are simulated: a model of the kernel's module refcounts on a model machine, not a measurement of one.</footer>
${scripts(charts, pageScript)}
</body>
</html>
`;
}

/** The charts' data, read by the page's script, and the script. */
function scripts(charts: ChartsData | null, pageScript: string): string {
  const json = charts === null ? '' : `<script type="application/json" id="kmodsim-charts">${jsonForScript(charts)}</script>\n`;
  return `${json}<script>${scriptSource(pageScript)}</script>`;
}

/** The machine a memory model makes, as the page names it. */
const MACHINES: Readonly<Record<MemoryModelName, string>> = {
  sc: 'a sequentially consistent machine (<code>--memory sc</code>)',
  tso: 'an x86-TSO machine, with store buffers (<code>--memory tso</code>)',
  relaxed: 'a relaxed machine, with store buffers and loads of older values (<code>--memory relaxed</code>)',
};

function headerHtml(data: ReportData): string {
  const { matrix } = data;
  const surprises = matrix.cells.filter((cell) => cell.surprise).length;
  const status = matrix.asDeclared
    ? '<span class="status ok">every verdict as declared</span>'
    : `<span class="status fail">${surprises} surprise${surprises === 1 ? '' : 's'}: check fails</span>`;
  return `<header>
<h1>${e(data.title)}</h1>
<p class="lede">${matrix.strategies.length} strategies × ${matrix.scenarios.length} scenarios, searched on ${MACHINES[matrix.memory]} ${status}</p>
<p class="lede">Made with <code>${e(data.command)}</code></p>
<nav><a href="#summary">Summary</a><a href="#cost">Cost</a><a href="#correctness">Correctness</a></nav>
</header>`;
}
