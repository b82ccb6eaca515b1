import { formatChoice, TIME_PASSES, type Choice } from './choice.js';
import { configError, ok, type ConfigError, type Result } from './result.js';
import { DEFAULT_SLICE_STEPS, RoundRobinScheduler } from './schedulers/round-robin.js';
import { RandomScheduler, RANDOM_DEFAULTS } from './schedulers/random.js';
import { ReplayScheduler } from './schedulers/replay.js';
import type { Scheduler } from './schedulers/scheduler.js';
import type { MemoryModelName } from './internal/store-buffers.js';

// Schedule strings name a run's decisions in a few characters and carry a version, so a string
// from an incompatible kmodsim is refused rather than replayed wrongly:
//   kms1:rr                      round-robin (optionally :slice=N steps per time slice)
//   kms1:random:SEED[:irq=P][:preempt=P][:migrate=P]
//   kms1:list:0*12,1,i0.0,x1,p0>1,t,1*3 the exact choices: CPU steps, IRQ source on a CPU,
//                                       IPI taken, preemption (to a CPU), time passing to the
//                                       next timer, f1 a flush of CPU 1's store buffer (under
//                                       the tso and relaxed memory models), s1 CPU 1's load of
//                                       an older value (relaxed); *N repeats a choice
//   kms1:list:0*3,(0,1)*40,1            (...)*N repeats a group: CPUs taking turns

export const SCHEDULE_VERSION = 'kms1';

export function formatChoiceList(choices: readonly Choice[]): string {
  return `${SCHEDULE_VERSION}:list:${compressGroups(runLengthTokens(choices)).join(',')}`;
}

/** One token per run of the same choice: `0*12`. */
function runLengthTokens(choices: readonly Choice[]): string[] {
  const tokens: string[] = [];
  let previous = '';
  let repeat = 0;
  const flush = (): void => {
    if (repeat > 0) tokens.push(repeat === 1 ? previous : `${previous}*${repeat}`);
  };
  for (const choice of choices) {
    const token = formatChoice(choice);
    if (token === previous) {
      repeat++;
      continue;
    }
    flush();
    previous = token;
    repeat = 1;
  }
  flush();
  return tokens;
}

const MAX_GROUP = 4;

/** Repeated groups of tokens, as CPUs taking turns give: `(0,1)*40`. */
function compressGroups(tokens: readonly string[]): string[] {
  const out: string[] = [];
  let index = 0;
  while (index < tokens.length) {
    let bestSize = 1;
    let bestRepeat = 1;
    for (let size = 2; size <= MAX_GROUP; size++) {
      const repeat = repeatsAt(tokens, index, size);
      if (repeat >= 2 && repeat * size > bestRepeat * bestSize) {
        bestSize = size;
        bestRepeat = repeat;
      }
    }
    if (bestSize === 1) {
      out.push(tokens[index] ?? '');
      index++;
      continue;
    }
    out.push(`(${tokens.slice(index, index + bestSize).join(',')})*${bestRepeat}`);
    index += bestSize * bestRepeat;
  }
  return out;
}

function repeatsAt(tokens: readonly string[], start: number, size: number): number {
  let repeat = 1;
  for (;;) {
    const next = start + repeat * size;
    if (next + size > tokens.length) return repeat;
    for (let offset = 0; offset < size; offset++) {
      if (tokens[next + offset] !== tokens[start + offset]) return repeat;
    }
    repeat++;
  }
}

const CHOICE_TOKEN = /^(?:(\d+)|i(\d+)\.(\d+)|x(\d+)|p(\d+)>(\d+)|(t)|f(\d+)|s(\d+))(?:\*(\d+))?$/;
const MAX_REPEAT = 100_000_000;

export function parseChoiceList(text: string): Result<Choice[], ConfigError> {
  const choices: Choice[] = [];
  const parsed = parseInto(text, choices);
  return parsed === undefined ? ok(choices) : configError('schedule', parsed);
}

/** Appends the choices `text` names to `choices`; returns what is wrong with it, if anything. */
function parseInto(text: string, choices: Choice[]): string | undefined {
  if (text === '') return undefined;
  for (const token of splitTopLevel(text)) {
    const group = /^\((.*)\)\*(\d+)$/.exec(token);
    if (group !== null) {
      const inner: Choice[] = [];
      const problem = parseInto(group[1] ?? '', inner);
      if (problem !== undefined) return problem;
      const repeat = Number(group[2]);
      if (repeat < 1 || choices.length + repeat * inner.length > MAX_REPEAT) return `repeat count in '${token}' is out of range`;
      for (let i = 0; i < repeat; i++) choices.push(...inner);
      continue;
    }
    const problem = parseToken(token, choices);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseToken(token: string, choices: Choice[]): string | undefined {
  const match = CHOICE_TOKEN.exec(token);
  if (match === null) return `malformed choice '${token}' in schedule string`;
  const [, step, irqCpu, irqSource, ipiCpu, preemptCpu, preemptTarget, time, flushCpu, staleCpu, repeatText] = match;
  const repeat = repeatText === undefined ? 1 : Number(repeatText);
  if (repeat < 1 || repeat > MAX_REPEAT || choices.length + repeat > MAX_REPEAT) return `repeat count in '${token}' is out of range`;
  let choice: Choice;
  if (step !== undefined) choice = { kind: 'step', cpu: Number(step) };
  else if (irqCpu !== undefined) choice = { kind: 'irq', cpu: Number(irqCpu), source: Number(irqSource) };
  else if (ipiCpu !== undefined) choice = { kind: 'ipi', cpu: Number(ipiCpu) };
  else if (time !== undefined) choice = TIME_PASSES;
  else if (flushCpu !== undefined) choice = { kind: 'flush', cpu: Number(flushCpu) };
  else if (staleCpu !== undefined) choice = { kind: 'stale', cpu: Number(staleCpu) };
  else choice = { kind: 'preempt', cpu: Number(preemptCpu), target: Number(preemptTarget) };
  for (let i = 0; i < repeat; i++) choices.push(choice);
  return undefined;
}

/** Builds the scheduler a schedule string names, or says what is wrong with the string. */
export function parseSchedule(schedule: string): Result<Scheduler, ConfigError> {
  const [version, kind, ...rest] = schedule.trim().split(':');
  if (version !== SCHEDULE_VERSION) {
    const seen = version === undefined || version === '' ? 'no version' : `version '${version}'`;
    return configError('schedule', `schedule string has ${seen}; this kmodsim reads '${SCHEDULE_VERSION}:' strings`);
  }
  switch (kind ?? '') {
    case 'rr':
      return parseRoundRobin(rest);
    case 'random':
      return parseRandom(rest);
    case 'list': {
      const choices = parseChoiceList(rest.join(':'));
      return choices.ok ? ok(new ReplayScheduler(choices.value, schedule.trim())) : choices;
    }
    default:
      return configError('schedule', `unknown scheduler '${kind ?? ''}' in schedule string; known: rr, random, list`);
  }
}

function parseRoundRobin(parts: readonly string[]): Result<Scheduler, ConfigError> {
  const options = parseOptions(parts, ['slice']);
  if (!options.ok) return options;
  const slice = options.value.get('slice') ?? DEFAULT_SLICE_STEPS;
  if (!Number.isInteger(slice) || slice < 1) return configError('schedule', `slice must be a whole number of steps, got ${slice}`);
  return ok(new RoundRobinScheduler(slice));
}

function parseRandom(parts: readonly string[]): Result<Scheduler, ConfigError> {
  const [seedText, ...optionParts] = parts;
  const seed = Number(seedText);
  if (seedText === undefined || seedText === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    return configError('schedule', `random schedule needs a seed from 0 to 4294967295, got '${seedText ?? ''}'`);
  }
  const options = parseOptions(optionParts, ['irq', 'preempt', 'migrate']);
  if (!options.ok) return options;
  for (const [name, value] of options.value) {
    if (!(value >= 0 && value <= 1)) return configError('schedule', `${name} must be a probability from 0 to 1, got ${value}`);
  }
  return ok(
    new RandomScheduler({
      seed,
      irqProbability: options.value.get('irq') ?? RANDOM_DEFAULTS.irqProbability,
      preemptProbability: options.value.get('preempt') ?? RANDOM_DEFAULTS.preemptProbability,
      migrateProbability: options.value.get('migrate') ?? RANDOM_DEFAULTS.migrateProbability,
    }),
  );
}

function parseOptions(parts: readonly string[], known: readonly string[]): Result<Map<string, number>, ConfigError> {
  const options = new Map<string, number>();
  for (const part of parts) {
    const [name, valueText] = part.split('=');
    if (name === undefined || !known.includes(name) || valueText === undefined) {
      return configError('schedule', `unknown schedule option '${part}'; known: ${known.join(', ')}`);
    }
    const value = Number(valueText);
    if (valueText === '' || Number.isNaN(value)) return configError('schedule', `option ${name} needs a number, got '${valueText}'`);
    options.set(name, value);
  }
  return ok(options);
}

/** Why a machine of one memory model cannot follow a schedule: its first choice that only a weaker model makes. */
export interface ScheduleModelMismatch {
  readonly choice: Choice;
  /** The strongest model that makes the choice: the one to replay the schedule on. */
  readonly needs: 'tso' | 'relaxed';
  /** One line for a user, without the option to name (each tool spells it its own way). */
  readonly text: string;
}

/**
 * Whether a `kms1:list:` schedule has a choice a `memory` machine never makes: a store buffer's
 * flush (`f1`, tso or relaxed) or a load of an older value (`s1`, relaxed only). Such a replay
 * would only diverge, so a tool says which model the schedule needs before it runs. A schedule
 * that does not parse is left to the replay, which says what is wrong with it; so is a choice of
 * a CPU the machine does not have (`cpuCount`, when the tool knows it): no model would help, and
 * a hint to replay it under another would only lead to that error there.
 */
export function scheduleModelMismatch(schedule: string, memory: MemoryModelName, cpuCount = Number.POSITIVE_INFINITY): ScheduleModelMismatch | undefined {
  const [version, kind, ...rest] = schedule.trim().split(':');
  if (version !== SCHEDULE_VERSION || kind !== 'list') return undefined;
  const choices = parseChoiceList(rest.join(':'));
  if (!choices.ok || choices.value.some((choice) => choice.cpu >= cpuCount)) return undefined;
  const stale = choices.value.find((choice) => choice.kind === 'stale');
  if (stale !== undefined && memory !== 'relaxed') return { choice: stale, needs: 'relaxed', text: `the schedule has loads of older values (${formatChoice(stale)}), which only a relaxed machine makes` };
  const flush = choices.value.find((choice) => choice.kind === 'flush');
  if (flush !== undefined && memory === 'sc') return { choice: flush, needs: 'tso', text: `the schedule has store-buffer flushes (${formatChoice(flush)}), which only a tso or relaxed machine makes` };
  return undefined;
}
