import { MAX_CPUS } from '../topology.js';
import { SNAPSHOT_FORMAT } from '../snapshot.js';
import { isRelaxedSave } from './relaxed-snapshot.js';

// Checks that decoded JSON is laid out as a snapshot before anything trusts it. Its checksum held,
// so a mismatch here means a writer that is not this kmodsim's encodeSnapshot (or a bug in it):
// each check names the first field that is wrong, and nothing here throws.

type Plain = Record<string, unknown>;
type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInt = (value: unknown): value is number => Number.isInteger(value);
const isCount = (value: unknown): value is number => isInt(value) && value >= 0;
const isNumber = (value: unknown): value is number => typeof value === 'number';
const isBool = (value: unknown): value is boolean => typeof value === 'boolean';
const isString = (value: unknown): value is string => typeof value === 'string';
const oneOf = (...choices: readonly string[]): Check => (value) => typeof value === 'string' && choices.includes(value);
const arrayOf = (check: Check): Check => (value) => Array.isArray(value) && value.every(check);
const typed = (type: typeof Float64Array | typeof Int32Array | typeof Uint8Array, length?: number): Check =>
  (value) => value instanceof type && (length === undefined || value.length === length);

const TASK_STATES = oneOf('TASK_RUNNING', 'TASK_UNINTERRUPTIBLE', 'TASK_INTERRUPTIBLE', 'TASK_DEAD');

/** The first field that does not hold what a snapshot holds there, or undefined when all do. */
export function checkShape(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (value.format !== SNAPSHOT_FORMAT) return 'format';
  if (value.hostData !== undefined && !arrayOf((part) => isObject(part) && isString(part.name))(value.hostData)) return 'hostData';
  const machine = value.machine;
  if (!isObject(machine)) return 'machine';
  const cpuCount = machine.cpuCount;
  if (!isInt(cpuCount) || cpuCount < 1 || cpuCount > MAX_CPUS) return 'machine.cpuCount';
  const tasks = value.tasks;
  if (!Array.isArray(tasks)) return 'tasks';
  return firstProblem([
    () => checkMachine(machine, cpuCount),
    () => checkMemory(value.memory, cpuCount),
    () => checkRunQueues(value.runQueues, cpuCount, new Set(tasks.map((task) => (isObject(task) ? task.pid : undefined)))),
    () => checkFields(value.timers, 'timers', { timers: arrayOf((timer) => isObject(timer) && isCount(timer.id) && isCount(timer.pid) && isNumber(timer.expiresAtCycles)), nextId: isCount, woken: arrayOf(isCount), wokenAtStep: isCount }),
    () => checkFields(value.interrupts, 'interrupts', { sources: arrayOf(isIrqSource(cpuCount)) }),
    () => checkFields(value.faults, 'faults', { policy: oneOf('stop', 'oops'), oopses: arrayOf(isObject) }),
    () => checkTasks(tasks, cpuCount, machine.pidCount),
  ]);
}

function firstProblem(checks: readonly (() => string | undefined)[]): string | undefined {
  for (const check of checks) {
    const problem = check();
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkFields(value: unknown, where: string, fields: Readonly<Record<string, Check>>): string | undefined {
  if (!isObject(value)) return where;
  for (const [name, check] of Object.entries(fields)) if (!check(value[name])) return `${where}.${name}`;
  return undefined;
}

function checkMachine(machine: Plain, cpuCount: number): string | undefined {
  const profile = machine.profile;
  if (!isObject(profile) || !isString(profile.name) || !isNumber(profile.ghz) || !isObject(profile.defaultTopology)) return 'machine.profile';
  if (!isObject(profile.cycles) || !Object.values(profile.cycles).every(isNumber)) return 'machine.profile.cycles';
  const problem = checkFields(machine.topology, 'machine.topology', { sockets: isCount, coresPerSocket: isCount, threadsPerCore: isCount, socketsPerBoard: isCount });
  if (problem !== undefined) return problem;
  return checkFields(machine, 'machine', {
    maxSteps: (steps) => isInt(steps) && steps >= 1,
    record: isBool,
    steps: isCount,
    liveTasks: isCount,
    pidCount: isCount,
    clocks: typed(Float64Array, cpuCount),
    localOwners: arrayOf((pair) => Array.isArray(pair) && pair.length === 2 && isCount(pair[0]) && isCount(pair[1]) && pair[1] < cpuCount),
    choices: typed(Int32Array),
    memoryModel: oneOf('sc', 'tso', 'relaxed'),
    storeBuffers: (buffers) => Array.isArray(buffers) && buffers.length === cpuCount && buffers.every((entries) => Array.isArray(entries) && entries.length % 2 === 0 && entries.every(isInt)),
    // Views under 'relaxed' only, with a tag for each buffered store.
    relaxed: (views) => (machine.memoryModel === 'relaxed'
      ? isRelaxedSave(views, cpuCount, (machine.storeBuffers as unknown[][]).map((entries) => entries.length / 2))
      : views === undefined),
  });
}

function checkMemory(memory: unknown, cpuCount: number): string | undefined {
  if (!isObject(memory) || !isCount(memory.nextAddress) || !Array.isArray(memory.objects)) return 'memory';
  const size = memory.nextAddress;
  const objects = memory.objects as unknown[];
  const lines = (size >>> 3) + 1;
  return checkFields(memory, 'memory', {
    values: typed(Float64Array, size),
    cellObject: (cells) => typed(Int32Array, size)(cells) && (cells as Int32Array).every((id) => id >= -1 && id < objects.length),
    objectFreed: typed(Uint8Array, objects.length),
    objects: (list) => Array.isArray(list) && list.every((object: unknown, index) => isMemObject(object, index, size)),
    lineOwner: typed(Int32Array, lines),
    lineReadyCycles: typed(Float64Array, lines),
    sharerBits: typed(Int32Array, lines * Math.ceil(cpuCount / 32)),
    sharerCount: typed(Int32Array, lines),
    coherence: typed(Float64Array, cpuCount),
    lastSourceClass: (source) => isInt(source) && source >= 0 && source <= 5,
  });
}

function isMemObject(object: unknown, index: number, size: number): boolean {
  if (!isObject(object) || object.id !== index || !isString(object.name) || !isCount(object.base) || !isCount(object.cells)) return false;
  return object.base + object.cells <= size && (object.kind === 'data' || object.kind === 'code') && (object.fields === undefined || arrayOf(isString)(object.fields));
}

function checkRunQueues(runQueues: unknown, cpuCount: number, pids: ReadonlySet<unknown>): string | undefined {
  const isPid = (pid: unknown): boolean => isInt(pid) && pid >= 1 && pids.has(pid);
  const isCpu = (cpu: unknown): boolean => isInt(cpu) && cpu >= 0 && cpu < cpuCount;
  return checkFields(runQueues, 'runQueues', {
    current: (list) => Array.isArray(list) && list.length === cpuCount && list.every((pid) => pid === 0 || isPid(pid)),
    queues: (list) => Array.isArray(list) && list.length === cpuCount && list.every(arrayOf(isPid)),
    needResched: typed(Uint8Array, cpuCount),
    sliceSteps: typed(Int32Array, cpuCount),
    active: (list) => arrayOf(isCpu)(list) && new Set(list as number[]).size === (list as number[]).length,
    idle: (list) => arrayOf(isCpu)(list) && new Set(list as number[]).size === (list as number[]).length,
  });
}

function isIrqSource(cpuCount: number): Check {
  return (source) => {
    if (!isObject(source) || !isCount(source.fired) || !isObject(source.spec)) return false;
    const spec = source.spec;
    return isString(spec.name) && (spec.cpus === undefined || arrayOf((cpu) => isInt(cpu) && cpu >= 0 && cpu < cpuCount)(spec.cpus)) && (spec.limit === undefined || isNumber(spec.limit));
  };
}

function checkTasks(tasks: readonly unknown[], cpuCount: number, pidCount: unknown): string | undefined {
  const isCpu = (cpu: unknown): boolean => isInt(cpu) && cpu >= 0 && cpu < cpuCount;
  // One table for every task: a long-lived machine's snapshot holds thousands of them.
  const fields: Readonly<Record<string, Check>> = {
    comm: isString, spec: (spec) => isObject(spec) && isString(spec.name), homeCpu: isCpu, bound: isBool, priority: oneOf('normal', 'fifo', 'stop'), daemon: isBool,
    state: TASK_STATES, queued: isBool, irqsOff: isBool, preemptCount: isCount, timerId: isCount, resumeValue: isNumber, readyAtCycles: isNumber, cpuNow: isCpu,
    codeStack: arrayOf(isCount), codeNames: arrayOf(isString), next: oneOf('pending', 'exit', 'none'), pendingKey: isString,
  };
  for (const [index, task] of tasks.entries()) {
    const where = `tasks[${index}]`;
    // By pid, each above the one before (a reaped task leaves a gap), none above the highest given.
    const previous: unknown = index === 0 ? 0 : (tasks[index - 1] as Plain).pid;
    if (!isObject(task) || !isInt(task.pid) || task.pid <= (previous as number) || !isCount(pidCount) || task.pid > pidCount) return `${where}.pid`;
    const problem = checkFields(task, where, fields);
    if (problem !== undefined) return problem;
    if (!(task.state === 'TASK_DEAD' ? task.log === undefined : isLog(task.log, cpuCount))) return `${where}.log`;
    if ((task.codeStack as unknown[]).length !== (task.codeNames as unknown[]).length) return `${where}.codeNames`;
  }
  return undefined;
}

function isLog(log: unknown, cpuCount: number): boolean {
  const isContext = (context: unknown): boolean =>
    isObject(context) && isInt(context.cpuNow) && context.cpuNow >= 0 && context.cpuNow < cpuCount && TASK_STATES(context.state) && isCount(context.preemptCount) && isBool(context.irqsOff);
  if (!isObject(log) || !(log.values instanceof Float64Array) || !arrayOf(isNumber)(log.marks) || (log.marks as number[]).length % 5 !== 0) return false;
  if (!(log.reads instanceof Float64Array) || !isCount(log.restReads) || log.restReads > log.reads.length) return false;
  if (!Array.isArray(log.received) || !isCount(log.restReceived) || log.restReceived > log.received.length) return false;
  return isCount(log.hash) && isInt(log.restLength) && log.restLength >= -1 && log.restLength <= log.values.length && isCount(log.restMarks) && isCount(log.restHash)
    && isContext(log.spawned) && isContext(log.seen) && isContext(log.restContext);
}
