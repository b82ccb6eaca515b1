/** The page's look: system fonts only (nothing to fetch), verdicts coloured as a CI shows them. */
export const STYLE = `
:root { --fg: #1d2430; --muted: #5b6472; --line: #d9dee6; --bg: #fbfcfd; --clean: #e3f4e6; --clean-fg: #1e6b34;
  --expected: #fff1cf; --expected-fg: #7a5300; --bad: #fde2e1; --bad-fg: #a1231c; --na: #eef0f3; --accent: #2456b3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 6px; }
code, pre, .timeline td { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f1f3f6; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.lede { color: var(--muted); margin: 4px 0; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; }
.status.ok { background: var(--clean); color: var(--clean-fg); }
.status.fail { background: var(--bad); color: var(--bad-fg); }
nav a { margin-right: 16px; color: var(--accent); }
table { border-collapse: collapse; }
th, td { padding: 4px 8px; border: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f1f3f6; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.none { color: var(--muted); }
.summary td.sound { color: var(--clean-fg); font-weight: 600; }
.summary td.unsound { color: var(--bad-fg); }
.summary td.unknown, .summary td.error { color: var(--expected-fg); }
.matrix-wrap { overflow-x: auto; }
.matrix th.strategy { vertical-align: bottom; height: 150px; padding: 4px 2px; }
.matrix th.strategy span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
.matrix th.corner { vertical-align: bottom; color: var(--muted); font-weight: normal; }
.matrix tbody th { white-space: nowrap; font-weight: normal; }
.matrix td.cell { min-width: 66px; padding: 2px 5px; font-size: 11px; line-height: 1.3; }
.matrix td.cell a { display: block; color: inherit; text-decoration: none; }
.matrix td.cell a:hover .verdict { text-decoration: underline; }
.verdict { display: block; font-weight: 700; letter-spacing: 0.02em; }
.figures { display: block; color: var(--muted); white-space: nowrap; }
.v-clean { background: var(--clean); color: var(--clean-fg); }
.v-expected { background: var(--expected); color: var(--expected-fg); }
.v-violation, .v-missed, .v-error, .v-incomplete { background: var(--bad); color: var(--bad-fg); }
.v-na { background: var(--na); color: var(--muted); }
td.surprise { outline: 2px solid var(--bad-fg); outline-offset: -2px; }
td.selected { box-shadow: inset 0 0 0 3px var(--accent); }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; vertical-align: middle; }
.note { color: var(--muted); }
.counterexample { display: none; margin-top: 16px; padding: 14px 16px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.counterexample:target { display: block; }
#counterexamples:has(.counterexample:target) .hint { display: none; }
.finding { white-space: pre-wrap; }
.timeline th[scope="row"] { color: var(--muted); font-weight: normal; text-align: right; }
.timeline td { min-width: 220px; }
.timeline tr.fault td, .timeline tr.fault th { background: var(--bad); color: var(--bad-fg); font-weight: 600; }
.fault-mark { font-size: 13px; }
.profile { max-width: 900px; }
.legend { margin: 8px 0 4px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 16px; }
.timeline th, .timeline td { padding: 1px 8px; }
.chart { margin: 0; padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart svg { max-width: 100%; height: auto; overflow: visible; }
footer { max-width: 1320px; margin: 40px auto 24px; padding: 0 24px; color: var(--muted); font-size: 12px; }
`;
