import { readFileSync } from 'node:fs';

/**
 * The page's script with Observable Plot bundled in: built by the package's build (esbuild) into
 * dist/report/page.js, which ships in the package. This file is two levels under the package
 * root in src/ and in dist/ alike, so the same path finds it from both.
 */
const PAGE_SCRIPT = new URL('../../dist/report/page.js', import.meta.url);

let cached: string | undefined;

export function pageScript(): string {
  if (cached !== undefined) return cached;
  try {
    cached = readFileSync(PAGE_SCRIPT, 'utf8');
    return cached;
  } catch {
    throw new Error(`the report's page script ${PAGE_SCRIPT.pathname} is missing: build the package (pnpm build)`);
  }
}
