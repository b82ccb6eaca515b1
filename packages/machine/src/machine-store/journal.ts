import type { Failure, Result } from '@kmodsim/cpu';
import { ftruncateSync, closeSync } from 'node:fs';
import { checksumOf } from './checksum.js';
import { appendDurable } from './durable-file.js';
import { openOwnForUpdate, readOwnFile } from './own-file.js';
import { crashPoint } from './crash-point.js';
import type { JournalRecord } from './records.js';

// The journal: one line per acknowledged command, `CHECKSUM JSON\n`. A command is acknowledged
// (its output printed) only after its line is on disk. A crash while appending leaves at most a
// last line without its newline: that command was never acknowledged, so it is dropped. Any
// complete line that fails its checksum, does not parse, or breaks the sequence is damage, and
// is reported, never repaired.

export interface JournalContents {
  readonly records: JournalRecord[];
  /** Bytes of complete lines: what a snapshot records to tell whether it is current. */
  readonly bytes: number;
  /** Bytes of an unacknowledged, torn last line (0 normally). */
  readonly tornBytes: number;
}

/** The largest journal kmodsim reads: about 200,000 commands, far more than any machine replays in reasonable time. */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;
/** The largest record, newline included: a command's module files and parameters. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** damaged: the journal is not one kmodsim wrote; unreadable: the system refused to read it. */
export type JournalRead = Result<JournalContents, Failure<'EIO'> & { readonly kind: 'damaged' | 'unreadable' }>;

// cpu's fail, written out: the store does not load @kmodsim/cpu (see store-error.ts).
const failed = (kind: 'damaged' | 'unreadable', message: string): JournalRead => ({ ok: false, errno: 'EIO', kind, message });

export function readJournal(path: string): JournalRead {
  const file = readOwnFile(path, MAX_JOURNAL_BYTES);
  if (!file.ok) return failed(file.kind === 'refused' ? 'damaged' : 'unreadable', file.message);
  if (file.value.kind === 'missing') return { ok: true, value: { records: [], bytes: 0, tornBytes: 0 } };
  const text = file.value.bytes.toString('utf8');
  const end = text.lastIndexOf('\n') + 1;
  const records: JournalRecord[] = [];
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  for (const [index, line] of lines.entries()) {
    if (Buffer.byteLength(line) >= MAX_RECORD_BYTES) return failed('damaged', `line ${index + 1}: longer than the ${MAX_RECORD_BYTES}-byte limit on a record`);
    const parsed = parseLine(line, index + 1);
    if (typeof parsed === 'string') return failed('damaged', `line ${index + 1}: ${parsed}`);
    records.push(parsed);
  }
  const torn = tornTailProblem(text.slice(end), records.length + 1);
  if (torn !== undefined) return failed('damaged', torn);
  return { ok: true, value: { records, bytes: Buffer.byteLength(text.slice(0, end)), tornBytes: Buffer.byteLength(text.slice(end)) } };
}

/**
 * A crash while appending leaves part of one record without its newline: no more than a record,
 * and never a whole one (with a checksum that holds, its newline lost or changed). Anything
 * else after the last newline was not left by a write cut short: it is damage, not a tail to cut.
 */
function tornTailProblem(tail: string, line: number): string | undefined {
  if (tail === '') return undefined;
  if (Buffer.byteLength(tail) >= MAX_RECORD_BYTES) return `line ${line}: no newline, and longer than the ${MAX_RECORD_BYTES}-byte limit on a record`;
  const whole = [tail, tail.slice(0, -1)].some((candidate) => typeof parseLine(candidate, line) !== 'string');
  return whole ? `line ${line}: a whole record without its newline (the file was changed, not cut short by a crash)` : undefined;
}

function parseLine(line: string, expectedSeq: number): JournalRecord | string {
  const space = line.indexOf(' ');
  const json = line.slice(space + 1);
  if (space !== 8 || checksumOf(json) !== line.slice(0, 8)) return 'checksum mismatch (the record was changed or corrupted)';
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch {
    return 'not a JSON record';
  }
  if (!isRecord(record)) return 'not a journal record';
  if (record.seq !== expectedSeq) return `sequence number ${String(record.seq)} where ${expectedSeq} belongs (a record is missing or repeated)`;
  return record;
}

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const command = record['command'] as Record<string, unknown> | null | undefined;
  return typeof record['seq'] === 'number' && typeof record['wallMs'] === 'number' && typeof command === 'object' && command !== null && typeof command['kind'] === 'string';
}

export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${checksumOf(json)} ${json}\n`;
}

/** Drops the torn last line a crash left while appending: that command was never acknowledged. */
export function dropTornTail(path: string, journal: JournalContents): void {
  if (journal.tornBytes === 0) return;
  const fd = openOwnForUpdate(path);
  try {
    crashPoint('truncate-torn');
    ftruncateSync(fd, journal.bytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * Why a record cannot be journalled (it would pass MAX_RECORD_BYTES), or undefined. A command
 * asks this before the machine runs it, so one that could never be recorded changes nothing.
 */
export function oversizedRecord(record: JournalRecord): string | undefined {
  const bytes = Buffer.byteLength(encodeRecord(record));
  return bytes > MAX_RECORD_BYTES ? recordTooLargeMessage(bytes) : undefined;
}

const recordTooLargeMessage = (bytes: number): string =>
  `the command's journal record would be ${bytes} bytes, more than the ${MAX_RECORD_BYTES}-byte limit; nothing was recorded`;

/** Appends one record durably (after dropping a torn tail); returns the journal's new length. */
export function appendRecord(path: string, journal: JournalContents, record: JournalRecord): number {
  const line = encodeRecord(record);
  // Commands were refused before they ran (oversizedRecord): a record this large here is a bug.
  if (Buffer.byteLength(line) > MAX_RECORD_BYTES) throw new RecordTooLarge(Buffer.byteLength(line));
  dropTornTail(path, journal);
  appendDurable(path, line);
  return journal.bytes + Buffer.byteLength(line);
}

/** A record past MAX_RECORD_BYTES reached the journal's writer: never written. */
export class RecordTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(recordTooLargeMessage(bytes));
    this.name = 'RecordTooLarge';
  }
}
