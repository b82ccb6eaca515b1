import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, LIMITS, shrinkAllowList, type AllowList } from './rules.js';
import { measured, measureFile, packageFiles, repoRoot, type MeasuredFile } from './workspace.js';

// `pnpm --filter @kmodsim/size-check check [--update]`: a line per package with its largest file
// and its longest function, then every problem; exit 1 on any. --update lowers the allow-list's
// entries to today's sizes and takes off those within the limit (it never adds one).

const listFile = join(repoRoot, 'tooling/size-check/allow-list.json');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function largest<T>(items: readonly T[], size: (item: T) => number): T | undefined {
  return items.reduce<T | undefined>((best, item) => (best === undefined || size(item) > size(best) ? item : best), undefined);
}

function packageLine(folder: string, files: readonly MeasuredFile[]): string {
  const file = largest(files, (item) => item.lines);
  const functions = files.flatMap((item) => item.functions.map((fn) => ({ ...fn, path: item.path })));
  const fn = largest(functions, (item) => item.lines);
  const fileText = file === undefined ? '-' : `${String(file.lines).padStart(4)}  ${file.path.slice(folder.length + 1)}`;
  const fnText = fn === undefined ? '-' : `${String(fn.lines).padStart(4)}  ${fn.path.slice(folder.length + 1)}:${fn.line} ${fn.name}`;
  return `${folder.padEnd(22)} ${fileText.padEnd(48)} ${fnText}`;
}

function main(argv: readonly string[]): number {
  const byPackage = packageFiles();
  const all: MeasuredFile[] = [];
  say(`${'PACKAGE'.padEnd(22)} ${'LARGEST FILE (lines)'.padEnd(48)} LONGEST FUNCTION (lines)`);
  for (const [folder, paths] of [...byPackage].sort(([a], [b]) => a.localeCompare(b))) {
    const files = paths.flatMap((path) => measureFile(path) ?? []);
    all.push(...files);
    say(packageLine(folder, files));
  }
  const allowList = JSON.parse(readFileSync(listFile, 'utf8')) as AllowList;
  if (argv.includes('--update')) {
    writeFileSync(listFile, `${JSON.stringify(shrinkAllowList(measured(all), allowList), null, 2)}\n`);
    say('allow-list lowered to today\'s sizes');
    return 0;
  }
  const verdict = judge(measured(all), allowList);
  const allowed = Object.keys(allowList.files).length + Object.keys(allowList.functions).length;
  say(`\nlimits: ${LIMITS.fileLines} lines a file, ${LIMITS.functionLines} a function; ${allowed} allowed over them (tooling/size-check/allow-list.json)`);
  for (const line of verdict.shrunk) say(`shrank (run with --update to lower its entry): ${line}`);
  for (const problem of verdict.problems) say(`size-check: ${problem}`);
  return verdict.problems.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
