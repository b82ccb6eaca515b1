import type { HostState } from '../host-state.js';
import type { TaskBody, TaskSpec } from '../ops.js';
import { decodeHostParts, encodeHostParts, type HostData } from './snapshot-host.js';
import { ok, type Result } from '../result.js';
import { SNAPSHOT_FORMAT, snapshotFailure, type BodyArg, type BodyRef, type BodyRegistry, type InterruptSave, type MachineSnapshot, type SnapshotFailure, type TaskSave } from '../snapshot.js';
import { crc32 } from './crc32.js';
import { checkShape } from './snapshot-shape.js';

// A snapshot as bytes, to keep on disk or send to another process:
//
//   bytes 0-7    "KMSNAPSH"
//   bytes 8-11   the format (SNAPSHOT_FORMAT), little-endian
//   bytes 12-15  the payload's length
//   bytes 16-19  the payload's CRC-32
//   payload      a 4-byte length, that much JSON, then the typed arrays' bytes (little-endian, as
//                the machines Node runs on are), which the JSON refers to by offset
//
// Code cannot be saved: a task's body and an interrupt source's handler are saved by the name
// their spec gives them (TaskSpec.bodyRef, IrqSourceSpec.handlerRef) and looked up in a registry
// when the bytes are read. Bytes that are damaged, cut short, of another format or no snapshot at
// all are a SnapshotFailure, never an exception.

const MAGIC = 'KMSNAPSH';
const HEADER_BYTES = 20;

/** The snapshot as bytes, or why it cannot be (a live task or an interrupt handler without a name, a value that is not plain data). */
export function encodeSnapshot(snapshot: MachineSnapshot): Result<Uint8Array, SnapshotFailure> {
  if (snapshot.host.length > 0) {
    const names = snapshot.host.map((part) => part.name).join(', ');
    return snapshotFailure('host-state', 0, `cannot save the snapshot as bytes: it holds kernel state kept in host objects (${names}); save it with the machine's snapshotBytes(), whose parts can write their state as plain data`);
  }
  return encodeWithHost(snapshot, []);
}

/**
 * The snapshot as bytes, each part of its host state written as plain data by the part of
 * `parts` at its place (the machine's own, see HostState.encode). A part that cannot write its
 * state (no encode, or it refuses now) refuses the snapshot.
 */
export function encodeWithHost(snapshot: MachineSnapshot, parts: readonly HostState[]): Result<Uint8Array, SnapshotFailure> {
  const hostData = encodeHostParts(snapshot.host, parts);
  if (!hostData.ok) return hostData;
  const named = namedParts(snapshot);
  if (!named.ok) return named;
  const blobs: Uint8Array[] = [];
  let plain: unknown;
  try {
    plain = toPlain({ ...snapshot, host: [], hostData: hostData.value, tasks: named.value.tasks, interrupts: named.value.interrupts }, blobs, { offset: 0 });
  } catch (error) {
    return snapshotFailure('unsaveable-value', 0, `cannot save the snapshot as bytes: ${error instanceof Error ? error.message : String(error)}`);
  }
  const json = new TextEncoder().encode(JSON.stringify(plain));
  const blobBytes = blobs.reduce((sum, blob) => sum + blob.length, 0);
  const payload = new Uint8Array(4 + json.length + blobBytes);
  new DataView(payload.buffer).setUint32(0, json.length, true);
  payload.set(json, 4);
  let at = 4 + json.length;
  for (const blob of blobs) {
    payload.set(blob, at);
    at += blob.length;
  }
  const bytes = new Uint8Array(HEADER_BYTES + payload.length);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const header = new DataView(bytes.buffer);
  header.setUint32(8, SNAPSHOT_FORMAT, true);
  header.setUint32(12, payload.length, true);
  header.setUint32(16, crc32(payload), true);
  bytes.set(payload, HEADER_BYTES);
  return ok(bytes);
}

/** Reads bytes encodeSnapshot wrote, building bodies and handlers from `bodies` by the names saved with them. */
export function decodeSnapshot(bytes: Uint8Array, bodies: BodyRegistry): Result<MachineSnapshot, SnapshotFailure> {
  return decodeWithHost(bytes, bodies, undefined);
}

/** Reads bytes encodeWithHost wrote, each part of the host state read back by the part of `parts` at its place. */
export function decodeWithHost(bytes: Uint8Array, bodies: BodyRegistry, parts: readonly HostState[] | undefined): Result<MachineSnapshot, SnapshotFailure> {
  const payload = checkedPayload(bytes);
  if (!payload.ok) return payload;
  let plain: unknown;
  try {
    plain = parsePayload(payload.value);
  } catch (error) {
    return snapshotFailure('damaged', 0, `the snapshot's contents cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const shape = checkShape(plain);
  if (shape !== undefined) return snapshotFailure('damaged', 0, `the snapshot's contents are not laid out as a snapshot's: ${shape}`);
  const { hostData, ...rest } = plain as MachineSnapshot & { readonly hostData?: readonly HostData[] };
  const host = decodeHostParts(hostData ?? [], parts);
  if (!host.ok) return host;
  return withBodies({ ...rest, host: host.value }, bodies);
}

function checkedPayload(bytes: Uint8Array): Result<Uint8Array, SnapshotFailure> {
  const magic = new TextEncoder().encode(MAGIC);
  const prefix = bytes.subarray(0, Math.min(bytes.length, magic.length));
  if (prefix.some((byte, index) => byte !== magic[index]) || bytes.length === 0) {
    return snapshotFailure('not-a-snapshot', 0, 'not a kmodsim machine snapshot (it does not begin with KMSNAPSH)');
  }
  if (bytes.length < HEADER_BYTES) return snapshotFailure('truncated', 0, `the snapshot is cut short: ${bytes.length} bytes, not even its ${HEADER_BYTES}-byte header`);
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const format = header.getUint32(8, true);
  if (format !== SNAPSHOT_FORMAT) {
    return snapshotFailure('other-format', 0, `the snapshot is of format ${format}; this kmodsim reads format ${SNAPSHOT_FORMAT} (a snapshot is a cache: take it again)`);
  }
  const length = header.getUint32(12, true);
  if (bytes.length < HEADER_BYTES + length) return snapshotFailure('truncated', 0, `the snapshot is cut short: ${bytes.length} bytes of the ${HEADER_BYTES + length} it says it has`);
  if (bytes.length > HEADER_BYTES + length) return snapshotFailure('damaged', 0, `the snapshot has ${bytes.length - HEADER_BYTES - length} bytes past its end`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== header.getUint32(16, true)) return snapshotFailure('damaged', 0, 'the snapshot is damaged: its checksum does not match its contents');
  return ok(payload);
}

function parsePayload(payload: Uint8Array): unknown {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < 4) throw new Error('no room for the contents\' length');
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > payload.length) throw new Error('the contents are longer than the snapshot');
  const json = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(4, 4 + jsonLength));
  const blobs = payload.subarray(4 + jsonLength);
  return JSON.parse(json, (_key, value: unknown) => fromPlain(value, blobs));
}

// ---- Plain data and back ----

type TypedArray = Float64Array | Int32Array | Uint8Array;
const ARRAY_KINDS = { f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;

/** The value with typed arrays moved into `blobs` and numbers JSON cannot hold (Infinity, NaN, -0) spelled out. */
function toPlain(value: unknown, blobs: Uint8Array[], at: { offset: number }): unknown {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return value;
  if (value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array) return blobOf(value, blobs, at);
  if (Array.isArray(value)) return value.map((item: unknown) => toPlain(item, blobs, at));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlain(item, blobs, at)]));
  }
  throw new Error(`a ${typeof value === 'object' ? 'non-plain object' : typeof value} is not plain data`);
}

function blobOf(array: TypedArray, blobs: Uint8Array[], at: { offset: number }): unknown {
  const kind = array instanceof Float64Array ? 'f64' : array instanceof Int32Array ? 'i32' : 'u8';
  const bytes = new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));
  blobs.push(bytes);
  const ref = { $t: kind, o: at.offset, n: array.length };
  at.offset += bytes.length;
  return ref;
}

function fromPlain(value: unknown, blobs: Uint8Array): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$n === 'string' && Object.keys(record).length === 1) return record.$n === '-0' ? -0 : Number(record.$n);
  const kind = record.$t;
  if (typeof kind !== 'string' || !Object.hasOwn(ARRAY_KINDS, kind)) return value;
  const type = ARRAY_KINDS[kind as keyof typeof ARRAY_KINDS];
  const offset = record.o;
  const length = record.n;
  const end = typeof offset === 'number' && typeof length === 'number' ? offset + length * type.BYTES_PER_ELEMENT : NaN;
  if (!Number.isInteger(end) || (offset as number) < 0 || end > blobs.length) throw new Error('an array lies outside the snapshot');
  // A copy of its own: `blobs` may be a Node Buffer, whose slice() is a view into a shared pool.
  return new type(new Uint8Array(blobs.subarray(offset as number, end)).buffer);
}

// ---- Bodies by name ----

/** Tasks and interrupt sources with their code replaced by its name, or the first one that has none. */
function namedParts(snapshot: MachineSnapshot): Result<{ tasks: unknown[]; interrupts: unknown }, SnapshotFailure> {
  const tasks: unknown[] = [];
  for (const task of snapshot.tasks) {
    const { body: _body, ...spec } = task.spec;
    if (task.log !== undefined && spec.bodyRef === undefined) {
      return snapshotFailure('unnamed-body', task.pid, `cannot save ${task.comm}-${task.pid} as bytes: its TaskSpec has no bodyRef naming its body, so another process could not run it again (an in-memory snapshot needs none)`);
    }
    if (!isPlainExit(task.exitValue)) return snapshotFailure('unsaveable-value', task.pid, `cannot save ${task.comm}-${task.pid} as bytes: its exit value is not a number, string, boolean or null`);
    tasks.push({ ...task, spec });
  }
  const sources: unknown[] = [];
  for (const source of snapshot.interrupts.sources) {
    const { handler: _handler, ...spec } = source.spec;
    if (spec.handlerRef === undefined) {
      return snapshotFailure('unnamed-body', 0, `cannot save interrupt source ${spec.name} as bytes: its spec has no handlerRef naming its handler`);
    }
    sources.push({ spec, fired: source.fired });
  }
  return ok({ tasks, interrupts: { sources } });
}

function isPlainExit(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
}

/** The decoded snapshot with each live task's body and each source's handler made from the registry. */
function withBodies(snapshot: MachineSnapshot, bodies: BodyRegistry): Result<MachineSnapshot, SnapshotFailure> {
  const tasks: TaskSave[] = [];
  for (const task of snapshot.tasks) {
    const spec = task.spec as Omit<TaskSpec, 'body'>;
    const body = task.log === undefined ? deadBody : bodyOf(spec.bodyRef, bodies);
    if (body === undefined) return snapshotFailure('unknown-body', task.pid, `cannot restore ${task.comm}-${task.pid}: the registry has no body named ${spec.bodyRef?.name ?? '(none)'}`);
    tasks.push({ ...task, spec: { ...spec, body } });
  }
  const sources: InterruptSave['sources'][number][] = [];
  for (const source of snapshot.interrupts.sources) {
    const spec = source.spec as Omit<InterruptSave['sources'][number]['spec'], 'handler'>;
    const handler = bodyOf(spec.handlerRef, bodies);
    if (handler === undefined) return snapshotFailure('unknown-body', 0, `cannot restore interrupt source ${spec.name}: the registry has no handler named ${spec.handlerRef?.name ?? '(none)'}`);
    sources.push({ spec: { ...spec, handler }, fired: source.fired });
  }
  return ok({ ...snapshot, tasks, interrupts: { sources } });
}

function bodyOf(ref: BodyRef | undefined, bodies: BodyRegistry): TaskBody | undefined {
  if (ref === undefined || !Object.hasOwn(bodies, ref.name)) return undefined;
  const make = bodies[ref.name];
  try {
    return make?.(ref.args ?? ([] as readonly BodyArg[]));
  } catch {
    // A maker that refuses these arguments has no such body.
    return undefined;
  }
}

/** A dead task's body: it is never run again. */
const deadBody: TaskBody = () => {
  throw new Error('a dead task has no body to run');
};
