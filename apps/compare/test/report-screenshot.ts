// The README's pictures of a report: `tsx test/report-screenshot.ts REPORT.html OUT.png [ANCHOR]`
// opens the page as the browser test does (Debian's chromium, 1280 px wide, offline) and saves
// the whole page, or, given ANCHOR (cx-STRATEGY--SCENARIO), the counterexample a click on that
// cell shows. It fails if the page logged an error or asked for anything from the network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openInChromium } from './report-chromium.js';

const [html, png, anchor = ''] = process.argv.slice(2);
if (html === undefined || png === undefined) {
  process.stderr.write('usage: tsx test/report-screenshot.ts REPORT.html OUT.png [ANCHOR]\n');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'kmodsim-screenshot-'));
try {
  const opened = await openInChromium(resolve(html), profile, anchor);
  if (anchor === '') await opened.page.screenshot({ path: resolve(png), fullPage: true });
  else await opened.page.locator(`article[id="${anchor}"]`).screenshot({ path: resolve(png) });
  await opened.context.close();
  const trouble = [...opened.problems, ...opened.refused.map((url) => `asked for ${url}`)];
  if (trouble.length > 0) throw new Error(trouble.join('\n'));
} finally {
  rmSync(profile, { recursive: true, force: true });
}
