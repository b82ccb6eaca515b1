import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testIo } from '@kmodsim/cli';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { UsageError } from '../src/io.js';
import { reportCommand } from '../src/report/report-command.js';
import type { ReportData } from '../src/report/report-data.js';
import type { CostSource } from '../src/report/cost-source.js';
import { chartsOf, undrawn } from '../src/report/charts.js';
import { SMALL_MATRIX, fixtures, runReport, smallCostReport } from './report-fixtures.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/kmodsim-compare.js', import.meta.url));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'kmodsim-report-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('kmodsim-compare report: the page', () => {
  let html: string;
  let status: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    const out = join(scratch, 'small.html');
    status = await runReport([...SMALL_MATRIX, '--out', out]);
    html = readFileSync(out, 'utf8');
  });

  test("exits as check would (every verdict as declared: 0) and prints check's summary and where the page is", () => {
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^4 pairs: 3 clean, 1 expected, 0 unexpected, 0 n\/a; \d+ executions under sc\nreport: .*small\.html\n$/);
    expect(status.stderr).toBe('');
  });

  test('is one file that needs nothing else: no external script, style, image or link, and a policy that forbids fetching', () => {
    expect(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`)).toBe(true);
    expect([...html.matchAll(/<(script|img|link|iframe)[^>]+(src|href)=/g)].map((match) => match[0])).toEqual([]);
    // The only addresses are the XML namespaces SVG's elements are made in, which nothing fetches.
    expect([...new Set([...html.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((match) => match[0]))].filter((url) => !url.startsWith('http://www.w3.org/'))).toEqual([]);
    // Observable Plot is inlined, bundled with the page's script.
    expect(html.includes('bundles Observable Plot')).toBe(true);
  });

  test('has a matrix cell per pair with its verdict and executions, a violation linking to its counterexample', () => {
    const cells = [...html.matchAll(/<td class="cell [^"]*" data-strategy="([^"]+)" data-scenario="([^"]+)" data-verdict="([^"]+)"/g)].map((match) => match.slice(1).join(' '));
    expect(cells.sort()).toEqual([
      'global-spinlock irq-get-put clean',
      'global-spinlock unload-vs-get clean',
      'percpu-naive-sum irq-get-put clean',
      'percpu-naive-sum unload-vs-get expected',
    ]);
    expect(html).toMatch(/data-scenario="unload-vs-get" data-verdict="expected" title="[^"]*"><a href="#cx-percpu-naive-sum--unload-vs-get" class="to-counterexample"><span class="verdict">EXPECTED<\/span><span class="figures">[\d,]+ ex<\/span><\/a>/);
  });

  test('shows a counterexample as a column per CPU, a row per step, the fault marked, with its replay command and a Perfetto trace', () => {
    const article = /<article class="counterexample" id="cx-percpu-naive-sum--unload-vs-get" data-strategy="percpu-naive-sum" data-scenario="unload-vs-get">[\s\S]*?<\/article>/.exec(html)?.[0] ?? '';
    expect(article).toContain('<th scope="col">CPU 0</th><th scope="col">CPU 1</th>');
    expect(article).toMatch(/<tr class="fault"><th scope="row">(\d+|after)<\/th>.*⚠/);
    expect(article).toMatch(/<code>kmodsim-compare check --strategy percpu-naive-sum --scenario unload-vs-get --replay &#39;kms1:[^<]+&#39;<\/code>/);
    const trace = /download="percpu-naive-sum\.unload-vs-get\.perfetto\.json" href="data:application\/json;base64,([^"]+)"/.exec(article)?.[1] ?? '';
    const events = (JSON.parse(Buffer.from(trace, 'base64').toString('utf8')) as { traceEvents: { name: string; tid: number }[] }).traceEvents;
    expect(events.filter((event) => event.name === 'thread_name').map((event) => event.tid)).toEqual([0, 1]);
    expect(events.length).toBeGreaterThan(10);
  });

  test('carries a chart per workload for the page to draw, a line per priced strategy, and names the profile', () => {
    const charts = JSON.parse(/<script type="application\/json" id="kmodsim-charts">(.*?)<\/script>/.exec(html)?.[1] ?? '{}') as { charts: { key: string; series: unknown[] }[] };
    expect(charts.charts.map((chart) => chart.key)).toEqual(['get-put', 'get-put-quarter', 'get-put-one', 'unload', 'others-stopped', 'irqs-off', 'wait-release', 'memory', 'coherence']);
    expect(charts.charts.find((chart) => chart.key === 'get-put')?.series).toHaveLength(2);
    // global-spinlock stops no other CPU: 0 at every size, no line on a log scale, and the page says why.
    expect(charts.charts.find((chart) => chart.key === 'others-stopped')?.series).toHaveLength(1);
    expect(html).toMatch(/data-chart="others-stopped" data-series="1">.*No line: global-spinlock \(0 at every size\)\./);
    expect(html).toContain('Simulated on the <strong>generic</strong> machine profile');
  });

  test('sums each strategy up: sound or not, waits, stops the machine, get+put at 1, 64 and 1024 CPUs, memory at 1024', () => {
    expect(html).toMatch(/<tr data-strategy="global-spinlock"><th scope="row">global-spinlock<\/th><td class="sound"[^>]*>sound<\/td><td>yes<\/td><td>no<\/td><td class="num">20 ns<\/td><td class="num">1.28 µs<\/td><td class="num">20.5 µs<\/td><td class="num">64 B<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-strategy="percpu-naive-sum"><th scope="row">percpu-naive-sum<\/th><td class="unsound"[^>]*>unsound: assertion in unload-vs-get<\/td><td>yes<\/td><td>yes<\/td>(<td class="num">20 ns<\/td>){3}<td class="num">64 KiB<\/td><\/tr>/);
  });
});

describe('the cost charts', () => {
  test('a workload a design does not have (rmmod --wait, for one that refuses it) is said not to apply, not drawn as 0', () => {
    const cost = smallCostReport(['atomic-bias', 'percpu-stop-machine']);
    const refusing = cost.strategies.map((entry) => (entry.ok && entry.strategy === 'atomic-bias' ? { ...entry, series: entry.series.filter((series) => series.workload !== 'wait-release') } : entry));
    const charts = chartsOf({ ...cost, strategies: refusing }, ['atomic-bias', 'percpu-stop-machine']).charts;
    const wait = charts.find((chart) => chart.key === 'wait-release');
    expect(wait?.series.map((series) => series.strategy)).toEqual(['percpu-stop-machine']);
    expect(wait === undefined ? [] : undrawn(wait, { ...cost, strategies: refusing })).toEqual([{ strategy: 'atomic-bias', why: 'does not apply' }]);
    const stopped = charts.find((chart) => chart.key === 'others-stopped');
    expect(stopped === undefined ? [] : undrawn(stopped, cost)).toEqual([{ strategy: 'atomic-bias', why: '0 at every size' }]);
  });
});

describe('kmodsim-compare report --format json', () => {
  test("writes the page's data, with the verdicts check --json gives for the same pairs", async () => {
    const report = await runReport([...SMALL_MATRIX, '--format', 'json', '--out', '-']);
    expect(report.code).toBe(0);
    expect(report.stderr).toMatch(/^4 pairs: 3 clean, 1 expected/);
    const data = JSON.parse(report.stdout) as ReportData;
    const io = testIo({ cwd: fixtures });
    expect(await main(['check', ...SMALL_MATRIX, '--json'], io)).toBe(0);
    const checked = io.stdoutText().trim().split('\n').map((line) => JSON.parse(line) as { strategy: string; scenario: string; verdict: string; counts: { executions: number } });
    expect(data.matrix.cells.map((cell) => [cell.strategy, cell.scenario, cell.verdict, cell.executions])).toEqual(checked.map((line) => [line.strategy, line.scenario, line.verdict, line.counts.executions]));
    const counterexample = data.matrix.cells.find((cell) => cell.counterexample !== null)?.counterexample;
    expect(counterexample?.timeline.some((row) => row.fault)).toBe(true);
    expect(data.cost?.profile.name).toBe('generic');
    expect(data.summaries.map((summary) => [summary.strategy, summary.soundness])).toEqual([['global-spinlock', 'sound'], ['percpu-naive-sum', 'unsound']]);
  });
});

describe('kmodsim-compare report --memory', () => {
  test("searches on the machine asked for, as check --memory does, and the page and the summary line name it", async () => {
    const pair = ['--strategy', 'percpu-dekker-unordered-put', '--scenario', 'wait-vs-last-put'];
    const report = await runReport([...pair, '--memory', 'tso', '--format', 'json', '--out', '-']);
    expect(report.stderr).toMatch(/^1 pair: 0 clean, 1 expected, 0 unexpected, 0 n\/a; \d+ executions under tso\n$/);
    const data = JSON.parse(report.stdout) as ReportData;
    expect(data.matrix.memory).toBe('tso');
    expect(data.matrix.cells[0]?.counterexample?.replay).toMatch(/--memory tso --replay 'kms1:list:/);
    const out = join(scratch, 'tso.html');
    expect((await runReport([...pair, '--memory', 'tso', '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('searched on an x86-TSO machine, with store buffers (<code>--memory tso</code>)');
  });
});

describe("kmodsim-compare report's prices", () => {
  test("are kmodsim-compare cost's, at the sizes and on the profile asked for", async () => {
    const io = testIo({ cwd: fixtures });
    expect(await main(['report', '--strategy', 'global-spinlock', '--scenario', 'irq-get-put', '--cpus', '1,4', '--format', 'json', '--out', '-'], io)).toBe(0);
    const data = JSON.parse(io.stdoutText()) as ReportData;
    expect(data.cost).toMatchObject({ profile: { name: 'xeon-8176-perfbook' }, cpuCounts: [1, 4], strategies: [{ strategy: 'global-spinlock', ok: true, stopsMachine: false }] });
    expect(data.summaries[0]).toMatchObject({ strategy: 'global-spinlock', soundness: 'sound', waitsForUsers: true, stopsMachine: false, memoryBytesAt1024: null });
    expect(data.summaries[0]?.getPutNs.map((point) => point.ns === null)).toEqual([false, true, true]);
  });
});

describe('kmodsim-compare report, the built command', () => {
  test('prices on its pricing thread (dist/report/cost-worker.js) what cost prices in-process', async () => {
    const priced = ['--strategy', 'global-spinlock', '--cpus', '1,4'];
    const built = await run(process.execPath, [bin, 'report', ...priced, '--scenario', 'irq-get-put', '--format', 'json', '--out', '-'], { cwd: fixtures, maxBuffer: 64 * 1024 * 1024 });
    const io = testIo({ cwd: fixtures });
    expect(await main(['cost', ...priced, '--json'], io)).toBe(0);
    expect((JSON.parse(built.stdout) as ReportData).cost).toEqual(JSON.parse(io.stdoutText()));
  });
});

describe('kmodsim-compare report: exit status and bad input', () => {
  test("a strategy's surprise fails the report as it fails check (exit 1), and its cell says so", async () => {
    const report = await runReport(['--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--format', 'json', '--out', '-']);
    expect(report.code).toBe(1);
    const data = JSON.parse(report.stdout) as ReportData;
    expect(data.matrix.asDeclared).toBe(false);
    expect(data.matrix.cells[0]).toMatchObject({ strategy: 'racy-atomic', verdict: 'violation', surprise: true });
  });

  test.each([
    ['a directory that does not exist', (dir: string) => join(dir, 'no-such-dir', 'r.html'), /^kmodsim-compare: ERROR: cannot write .*no-such-dir\/r\.html: No such file or directory\n$/],
    ['a directory that is a file', (dir: string) => join(writeFile(dir, 'plain'), 'r.html'), /^kmodsim-compare: ERROR: cannot write .*plain\/r\.html: .*is not a directory\n$/],
    ['a directory itself', (dir: string) => dir, /^kmodsim-compare: ERROR: cannot write .*: it is a directory\n$/],
  ])('an --out in %s: one line, exit 1, before any search, and no file left', async (_what, outIn, message) => {
    const dir = mkdtempSync(join(scratch, 'out-'));
    const out = outIn(dir);
    const before = readdirSync(dir);
    const report = await runReport([...SMALL_MATRIX, '--out', out]);
    expect(report).toMatchObject({ code: 1, stdout: '' });
    expect(report.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual(before);
  });

  test('an --out in a directory that takes no new file, though access(2) lets root through (/proc): one line, exit 1, and nothing priced or searched', async () => {
    let prepared = false;
    const watching: CostSource = { prepare: () => { prepared = true; return Promise.reject(new Error('priced before --out was checked')); } };
    const io = testIo({ cwd: fixtures });
    expect(await reportCommand([...SMALL_MATRIX, '--out', '/proc/kmodsim-report.html'], io, watching)).toBe(1);
    expect(io.stderrText()).toMatch(/^kmodsim-compare: ERROR: cannot write \/proc\/kmodsim-report\.html: .+\n$/);
    expect(prepared).toBe(false);
  });

  test('a bad format or a bad option of check or cost is a usage error (exit 2) before anything runs', async () => {
    for (const argv of [['--format', 'pdf'], ['--workers', '0'], ['--scenario', 'no-such-scenario'], ['--bogus'], ['--profile', 'pentium'], ['--cpus', '0']]) {
      const io = testIo({ cwd: fixtures });
      expect(await main(['report', ...argv], io)).toBe(2);
      expect(io.stderrText().trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    const help = testIo({ cwd: fixtures });
    expect(await main(['report', '--help'], help)).toBe(0);
    expect(help.stdoutText()).toMatch(/^Usage: kmodsim-compare report \[OPTIONS\]/);
    const refusing: CostSource = { prepare: () => Promise.reject(new UsageError("unknown profile 'pentium'")) };
    const io = testIo({ cwd: fixtures });
    await expect(reportCommand([...SMALL_MATRIX, '--profile', 'pentium', '--out', join(scratch, 'never.html')], io, refusing)).rejects.toThrow("unknown profile 'pentium'");
    expect(existsSync(join(scratch, 'never.html'))).toBe(false);
  });
});

function writeFile(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, 'not a directory');
  return path;
}
