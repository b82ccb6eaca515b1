// What a mutant is: one small, named change to one strategy source file, kept as text edits so
// that it can be shown, applied and compared without re-parsing.

/** One replacement of the source text [start, end) by `text`. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface Mutant {
  /** Stable across runs while the file is unchanged: `file:line:col:operator`. */
  readonly id: string;
  /** The file, relative to the strategies package's src (e.g. `strategies/percpu.ts`). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly operator: string;
  /** What the change does, in a reader's words, with the code it touches. */
  readonly description: string;
  readonly edits: readonly Edit[];
}

/** The file's text with every edit applied; edits must not overlap. */
export function applyEdits(source: string, edits: readonly Edit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start);
  let text = source;
  let limit = Number.POSITIVE_INFINITY;
  for (const edit of ordered) {
    if (edit.end > limit) throw new Error(`overlapping edits at ${edit.start}`);
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
    limit = edit.start;
  }
  return text;
}
