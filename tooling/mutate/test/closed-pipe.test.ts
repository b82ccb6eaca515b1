import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mutateCli } from './run-cli.js';

// A reader that stops early (`| head -1`, `| head -c 10`) closes the pipe the tool writes to: that
// ends the output, it is no error. Every bin (the kmod tools, kmodsim, kmodsim-mutate) is run,
// built, with its stdout a real pipe that is closed under it; none may die of Node's unhandled
// 'error' event (`Error: write EPIPE` and a stack trace, exit 1).

const rmmodBin = (name: string): string => fileURLToPath(new URL(`../../../apps/rmmod/bin/${name}.js`, import.meta.url));

interface Ended {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly read: number;
}

/**
 * Runs `script args` with stdout to a pipe that is destroyed after the first chunk read from it
 * or, with `before`, as soon as the process starts, before it can write anything.
 */
function closeEarly(script: string, args: readonly string[], when: 'first-chunk' | 'before'): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let read = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => { stderr += text; });
    if (when === 'before') child.stdout.destroy();
    else {
      child.stdout.once('data', (chunk: Buffer) => {
        read = chunk.length;
        child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (status, signal) => { resolve({ status, signal, stderr, read }); });
  });
}

describe('a reader that closes the pipe early ends the output, no stack trace', () => {
  it.each(['rmmod', 'insmod', 'lsmod', 'modinfo', 'depmod', 'modprobe', 'kmodsim'])('%s --help, the pipe closed before it writes', async (name) => {
    const ended = await closeEarly(rmmodBin(name), ['--help'], 'before');
    expect(ended).toEqual({ status: 0, signal: null, stderr: '', read: 0 });
  });

  it.each([[['scenario', 'list']], [['scenario', 'run', 'wait-for-users']]])('kmodsim %j, the pipe closed before it writes', async (args) => {
    const ended = await closeEarly(rmmodBin('kmodsim'), args, 'before');
    expect([ended.status, ended.signal, ended.read]).toEqual([0, null, 0]);
    expect(ended.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  // The audit's `| head -1`: the reader takes some output, then goes. Whether the tool still has
  // something to write by then depends on timing; when it has, it must stop quietly.
  it.each([[['scenario', 'list']], [['scenario', 'run', 'wait-for-users']]])('kmodsim %j, the pipe closed after the first chunk', async (args) => {
    const ended = await closeEarly(rmmodBin('kmodsim'), args, 'first-chunk');
    expect(ended.read).toBeGreaterThan(0);
    expect([ended.status, ended.signal]).toEqual([0, null]);
    expect(ended.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  it.each(['before', 'first-chunk'] as const)('kmodsim-mutate --list, the pipe closed %s', async (when) => {
    const ended = await closeEarly(mutateCli, ['--list', '--quiet'], when);
    expect([ended.status, ended.signal, ended.stderr]).toEqual([0, null, '']);
  });
});
