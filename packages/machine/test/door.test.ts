import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// What importing @kmodsim/machine costs a tool: lsmod, ps and dmesg answer from a snapshot and
// must start as quickly as Node can, so the door and all it loads at once import nothing from
// the other packages (cpu, the linker, the simulator are loaded on first use, by import()).

/** The modules a source file loads when it is loaded: its static imports and re-exports, not `import type` nor `import()`. */
function staticImports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)';/gms)].map((match) => match[1] ?? '');
}

test('the door loads no other package: lsmod, which only reads a snapshot, never loads the simulator, the linker or cpu', () => {
  const outside = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const specifier of staticImports(path)) {
      if (specifier.startsWith('.')) visit(join(dirname(path), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) outside.add(`${specifier} (from ${path})`);
    }
  };
  visit(fileURLToPath(new URL('../src/index.ts', import.meta.url)));
  expect([...outside]).toEqual([]);
  // The graph was followed: the kmod lookups are on the door's path, the module file reader is not.
  expect([...seen].some((path) => path.endsWith('kmod/module-lookup.ts'))).toBe(true);
  expect([...seen].some((path) => path.endsWith('kmod/module-file.ts'))).toBe(false);
});
