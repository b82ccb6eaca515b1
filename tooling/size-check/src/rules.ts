// The limits, and the allow-list that holds the files and functions over them today at their
// sizes of today. The list may only shrink: an item on it that grows fails, and so does one that
// got within the limit or is gone, until it is taken off; nothing new may go on it.

export const LIMITS = { fileLines: 400, functionLines: 80 } as const;

export interface AllowList {
  /** A file's path from the repository root, and the lines it may have. */
  readonly files: Readonly<Record<string, number>>;
  /** `path: name` of a function (as measure names it), and the lines it may have. */
  readonly functions: Readonly<Record<string, number>>;
}

/** What was measured: every file's lines, and every function's under its `path: name` key. */
export interface Measured {
  readonly files: ReadonlyMap<string, number>;
  readonly functions: ReadonlyMap<string, number>;
}

export interface Verdict {
  /** Each a sentence saying what to do; any one fails the check. */
  readonly problems: readonly string[];
  /** Allowed items that shrank but are still over the limit: their entry may be lowered (--update). */
  readonly shrunk: readonly string[];
}

const LIST = 'tooling/size-check/allow-list.json';

function judgeKind(kind: 'file' | 'function', limit: number, sizes: ReadonlyMap<string, number>, allowed: Readonly<Record<string, number>>): Verdict {
  const problems: string[] = [];
  const shrunk: string[] = [];
  for (const [key, lines] of sizes) {
    const allowance = allowed[key];
    if (allowance === undefined) {
      if (lines > limit) problems.push(`${kind} ${key}: ${lines} lines, over the limit of ${limit}: split it (the allow-list takes no new entries)`);
    } else if (lines > allowance) {
      problems.push(`${kind} ${key}: grew from ${allowance} to ${lines} lines; it is allowed ${allowance} at most (the limit is ${limit})`);
    } else if (lines <= limit) {
      problems.push(`${kind} ${key}: ${lines} lines, within the limit of ${limit} now: remove it from ${LIST}`);
    } else if (lines < allowance) {
      shrunk.push(`${kind} ${key}: ${lines} lines, allowed ${allowance}`);
    }
  }
  for (const key of Object.keys(allowed)) {
    if (!sizes.has(key)) problems.push(`${kind} ${key}: not found any more: remove it from ${LIST}`);
  }
  return { problems, shrunk };
}

/** The problems with what was measured against the limits and the allow-list. */
export function judge(measured: Measured, allowList: AllowList): Verdict {
  const files = judgeKind('file', LIMITS.fileLines, measured.files, allowList.files);
  const functions = judgeKind('function', LIMITS.functionLines, measured.functions, allowList.functions);
  return { problems: [...files.problems, ...functions.problems], shrunk: [...files.shrunk, ...functions.shrunk] };
}

/** The allow-list with each entry lowered to what it measures now, and those within the limit or gone taken off. Never adds. */
export function shrinkAllowList(measured: Measured, allowList: AllowList): AllowList {
  const shrink = (sizes: ReadonlyMap<string, number>, allowed: Readonly<Record<string, number>>, limit: number): Record<string, number> => {
    const kept = Object.entries(allowed).flatMap(([key, allowance]) => {
      const lines = sizes.get(key);
      return lines === undefined || lines <= limit ? [] : [[key, Math.min(lines, allowance)] as const];
    });
    return Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)));
  };
  return {
    files: shrink(measured.files, allowList.files, LIMITS.fileLines),
    functions: shrink(measured.functions, allowList.functions, LIMITS.functionLines),
  };
}
