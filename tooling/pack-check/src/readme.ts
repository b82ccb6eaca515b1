// Reading a README as npm shows it: its sections, its fenced code blocks and its API table.

export interface CodeBlock {
  /** The first word of the fence's info string (`ts`, `sh`, ...). */
  readonly lang: string;
  /** The other words of the info string: `run` marks an example CI runs. */
  readonly flags: readonly string[];
  readonly code: string;
  /** 1-based line in the README of the block's first line of code. */
  readonly line: number;
}

export interface Section {
  readonly title: string;
  /** 1-based line of the heading. */
  readonly line: number;
  /** The lines after the heading, up to the next heading of level 2 or above. */
  readonly lines: readonly string[];
}

const FENCE = /^(```+|~~~+)\s*(.*)$/;

export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open?.[1]) continue;
    const marker = open[1];
    const [lang = '', ...flags] = (open[2] ?? '').trim().split(/\s+/).filter((word) => word !== '');
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith(marker)) end++;
    blocks.push({ lang, flags, code: lines.slice(start, end).join('\n'), line: start + 1 });
    i = end;
  }
  return blocks;
}

/** The `## ` sections, fenced code skipped (a `# comment` in a shell block is no heading). */
export function sections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  const found: { title: string; level: number; line: number; lines: string[] }[] = [];
  let inFence: string | undefined;
  for (const [index, line] of lines.entries()) {
    const fence = FENCE.exec(line)?.[1];
    if (fence !== undefined && (inFence === undefined || fence.startsWith(inFence))) {
      inFence = inFence === undefined ? fence : undefined;
    } else if (inFence === undefined && /^#{1,2} /.test(line)) {
      found.push({ title: line.replace(/^#+ /, '').trim(), level: line.startsWith('## ') ? 2 : 1, line: index + 1, lines: [] });
      continue;
    }
    found.at(-1)?.lines.push(line);
  }
  return found.filter((section) => section.level === 2).map(({ title, line, lines: body }) => ({ title, line, lines: body }));
}

/**
 * The names in the first column of every table row in these lines: each backticked span, up to
 * where a name ends (`createMachine(config)` names `createMachine`; `kmodsim-compare check`
 * names `kmodsim-compare`). Header and separator rows are skipped.
 */
export function tableNames(lines: readonly string[]): string[] {
  const names: string[] = [];
  const rows = lines.filter((line) => line.trimStart().startsWith('|'));
  for (const [index, row] of rows.entries()) {
    const next = rows[index + 1] ?? '';
    if (/^\s*\|[\s:|-]+\|\s*$/.test(row) || /^\s*\|[\s:|-]+\|\s*$/.test(next)) continue;
    const first = row.split('|')[1] ?? '';
    for (const span of first.matchAll(/`([^`]+)`/g)) {
      const name = /^[\w$@][\w$@/.-]*/.exec(span[1] ?? '')?.[0];
      if (name !== undefined) names.push(name);
    }
  }
  return names;
}
