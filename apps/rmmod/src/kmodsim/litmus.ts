import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from '@kmodsim/cli';
import { findModel, formatLitmusError, replayLitmus, runLitmus, type LitmusAnswer, type LitmusError, type ModelError } from '@kmodsim/litmus';
import { flag, parseSubcommand, usageError, withValue } from './machine-args.js';

const LITMUS_USAGE = `Usage: kmodsim litmus FILE.litmus [--model sc|tso|relaxed] [--trace] [--schedule STRING]

Runs a C litmus test in the Linux kernel's format (tools/memory-model/litmus-tests) on the
simulated machine, exploring every execution: prints whether the exists clause is reachable
(Sometimes, with a witness: its schedule, final state and replay command) or not (Never), and
how many executions were explored. --model: sc (default), tso (x86-TSO, by store buffers) or
relaxed (tso's buffers, and loads of older values as the kernel's memory model allows).
--trace prints the witness's interleaving, a column per CPU.
--schedule replays one execution (a witness's) and prints its final state and trace.
`;

/** `kmodsim litmus FILE [--model M] [--trace] [--schedule S]`: exit 0 when answered, 2 for a usage or input error. */
export function litmusCommand(argv: readonly string[], io: CliIo): number {
  const parsed = parseSubcommand(io, 'litmus', argv, [withValue('model'), withValue('schedule'), flag('trace')], LITMUS_USAGE);
  if (!parsed.ok) return parsed.status;
  const { positionals } = parsed.args;
  const file = positionals[0];
  if (file === undefined) return usageError(io, 'litmus', 'expected a litmus file');
  if (positionals.length > 1) return usageError(io, 'litmus', `unexpected argument '${positionals[1] ?? ''}'`);
  const model = parsed.args.string('model') ?? 'sc';
  const known = findModel(model);
  if (!known.ok) return usageError(io, 'litmus', known.error.message);
  let source: string;
  try {
    source = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    return usageError(io, 'litmus', `${file}: cannot read the file: ${error instanceof Error && 'code' in error ? String(error.code) : String(error)}`);
  }
  const schedule = parsed.args.string('schedule');
  if (schedule !== undefined) return replayCommand(io, file, source, model, schedule);
  const run = runLitmus(source, { model });
  if (!run.ok) return inputError(io, file, run.error);
  printAnswer(io, file, run.value, parsed.args.flag('trace'));
  return 0;
}

function printAnswer(io: CliIo, file: string, answer: LitmusAnswer, trace: boolean): void {
  const lkmm = answer.documentedResult === undefined ? '' : ` (the file's Result: for LKMM is ${answer.documentedResult})`;
  io.stdout.write(`Test ${answer.test} under ${answer.model}\n${answer.answer}${lkmm}\n`);
  io.stdout.write(`Executions ${answer.counts.executions} (complete ${answer.counts.completed}, distinct final states ${answer.counts.distinctOutcomes})\n`);
  if (answer.problem !== undefined) io.stdout.write(`Problem: ${answer.problem}\n`);
  const witness = answer.witness;
  if (witness === undefined) return;
  io.stdout.write(`Witness: ${witness.stateText}\nSchedule: ${witness.schedule}\n`);
  io.stdout.write(`Replay: kmodsim litmus ${file} --model ${answer.model} --schedule '${witness.schedule}' --trace\n`);
  if (trace) io.stdout.write(`\n${witness.columns}`);
}

function replayCommand(io: CliIo, file: string, source: string, model: string, schedule: string): number {
  const replayed = replayLitmus(source, schedule, { model });
  if (!replayed.ok) {
    const error = replayed.error;
    if (error.kind !== 'schedule') return inputError(io, file, error);
    return usageError(io, 'litmus', error.needs === undefined ? `--schedule '${schedule}': ${error.message}` : `${error.message}: replay it with --model ${error.needs}`);
  }
  io.stdout.write(`Final state: ${replayed.value.stateText}\nexists ${replayed.value.existsHolds ? 'holds' : 'does not hold'}\n\n${replayed.value.columns}`);
  return 0;
}

function inputError(io: CliIo, file: string, error: LitmusError | ModelError): number {
  return usageError(io, 'litmus', 'line' in error ? formatLitmusError(error, file) : error.message);
}
