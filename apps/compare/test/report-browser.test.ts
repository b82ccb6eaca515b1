import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipWithout } from '@kmodsim/vitest-config/real-data';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openInChromium, type OpenedReport } from './report-chromium.js';
import { SMALL_MATRIX, runReport } from './report-fixtures.js';

// The report opened as a person opens it: Debian's chromium, headless, from a file, with every
// request that is not for a file refused, so a page that needed the network would show it.

/** Kept by CI beside the logs (git ignores the folder): what the page looked like. */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

const skip = skipWithout(`Debian's chromium at ${CHROMIUM} (apt-get install -y chromium): the report's browser test cannot run`, existsSync(CHROMIUM));

describe.skipIf(skip)('the report in headless chromium, offline', () => {
  let scratch: string;
  // Unset when beforeAll failed: afterAll still cleans up what it made.
  let opened: OpenedReport | undefined;
  const page = (): Page => {
    if (opened === undefined) throw new Error('the report did not open');
    return opened.page;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kmodsim-report-browser-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const out = join(scratch, 'report.html');
    const report = await runReport([...SMALL_MATRIX, '--out', out]);
    expect(report.code).toBe(0);
    opened = await openInChromium(out, join(scratch, 'profile'));
  });

  afterAll(async () => {
    await opened?.page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await opened?.context.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('draws every chart: a line per strategy with a line to draw, both axes labelled, none empty', async () => {
    const charts = await Promise.all((await page().locator('figure[data-chart]').all()).map(async (figure) => ({
      key: await figure.getAttribute('data-chart'),
      expected: Number(await figure.getAttribute('data-series')),
      lines: await figure.locator('g[aria-label="line"] path').count(),
      dots: await figure.locator('g[aria-label="dot"] circle').count(),
      xLabel: await figure.locator('g[aria-label="x-axis label"]').textContent(),
      yLabel: await figure.locator('g[aria-label="y-axis label"]').textContent(),
      yTicks: await figure.locator('g[aria-label="y-axis tick label"] text').count(),
    })));
    expect(charts).toHaveLength(9);
    for (const chart of charts) {
      expect(chart.lines, `${chart.key ?? ''}: lines`).toBe(chart.expected);
      expect(chart.dots, `${chart.key ?? ''}: points`).toBeGreaterThanOrEqual(chart.expected * 6);
      expect(chart.xLabel).toContain('CPUs');
      expect(chart.yLabel).not.toBe('');
      expect(chart.yTicks, `${chart.key ?? ''}: y ticks`).toBeGreaterThan(0);
    }
    expect(charts.find((chart) => chart.key === 'get-put')).toMatchObject({ lines: 2, yLabel: expect.stringContaining('ns per get+put') as unknown });
    // One legend names each strategy in its colour for every chart.
    expect(await page().locator('#legend').textContent()).toMatch(/global-spinlock.*percpu-naive-sum/);
  });

  test("shows a point's value on hover", async () => {
    const chart = page().locator('figure[data-chart="get-put"] svg').first();
    const dot = chart.locator('g[aria-label="dot"] circle').last();
    await dot.hover();
    await expect.poll(() => chart.locator('g[aria-label="tip"]').textContent()).toMatch(/(global-spinlock|percpu-naive-sum).*1024 CPUs: 20(\.5 µs| ns)/);
  });

  test('shows the matrix: a cell per strategy and scenario, with its verdict', async () => {
    const cells = await Promise.all((await page().locator('td.cell').all()).map(async (cell) => `${await cell.getAttribute('data-strategy') ?? ''} ${await cell.getAttribute('data-scenario') ?? ''} ${await cell.locator('.verdict').textContent() ?? ''}`));
    expect(cells.sort()).toEqual(['global-spinlock irq-get-put CLEAN', 'global-spinlock unload-vs-get CLEAN', 'percpu-naive-sum irq-get-put CLEAN', 'percpu-naive-sum unload-vs-get EXPECTED']);
    await expect.poll(() => page().locator('.counterexample').first().isVisible()).toBe(false);
  });

  test('a click on a violation shows its timeline: a column per CPU, the fault marked, the replay and the Perfetto trace', async () => {
    await page().locator('td[data-strategy="percpu-naive-sum"][data-scenario="unload-vs-get"] a').click();
    const shown = page().locator('.counterexample:visible');
    await expect.poll(() => shown.count()).toBe(1);
    expect(await shown.getAttribute('data-scenario')).toBe('unload-vs-get');
    expect(await shown.locator('table.timeline thead th').allTextContents()).toEqual(['step', 'CPU 0', 'CPU 1']);
    expect(await shown.locator('table.timeline tbody tr').count()).toBeGreaterThan(5);
    expect(await shown.locator('tr.fault').textContent()).toMatch(/⚠/);
    expect(await shown.locator('pre.replay').textContent()).toMatch(/^kmodsim-compare check --strategy percpu-naive-sum --scenario unload-vs-get --replay 'kms1:/);
    expect(await shown.locator('a.perfetto').getAttribute('href')).toMatch(/^data:application\/json;base64,/);
    expect(await page().locator('td.selected').getAttribute('data-strategy')).toBe('percpu-naive-sum');
    await shown.screenshot({ path: join(ARTIFACTS, 'report-counterexample.png') });
  });

  test('needs nothing from the network and logs no error', () => {
    expect(opened?.refused).toEqual([]);
    expect(opened?.problems).toEqual([]);
    expect(readFileSync(join(scratch, 'report.html'), 'utf8').length).toBeGreaterThan(100_000);
  });
});
