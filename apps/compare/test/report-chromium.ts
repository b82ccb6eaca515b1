import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// The report opened as a person opens it: Debian's chromium, headless, from a file, with every
// request that is not for a file refused, so a page that needed the network would show it.

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The page open in chromium, and what it logged and asked for that it should not have. */
export interface OpenedReport {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
  readonly refused: string[];
}

/** Opens the file (at `anchor`, if given) in a fresh profile in `profileDir`, and waits for its charts, if it has any. */
export async function openInChromium(file: string, profileDir: string, anchor = ''): Promise<OpenedReport> {
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${pathToFileURL(file).href}${anchor === '' ? '' : `#${anchor}`}`);
  if ((await page.locator('figure[data-chart]').count()) > 0) await page.locator('figure[data-chart] svg').first().waitFor();
  return { context, page, problems, refused };
}
