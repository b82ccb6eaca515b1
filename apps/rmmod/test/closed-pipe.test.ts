import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closeEarly } from '@kmodsim/vitest-config/closed-pipe';

// A reader that stops early (`| head -1`, `| head -c 10`) closes the pipe the tool writes to: that
// ends the output, it is no error. Every bin here (the kmod tools and kmodsim) is run, built,
// with its stdout a real pipe that is closed under it; none may die of Node's unhandled 'error'
// event (`Error: write EPIPE` and a stack trace, exit 1).

const bin = (name: string): string => fileURLToPath(new URL(`../bin/${name}.js`, import.meta.url));

describe('a reader that closes the pipe early ends the output, no stack trace', () => {
  it.each(['rmmod', 'insmod', 'lsmod', 'modinfo', 'depmod', 'modprobe', 'kmodsim'])('%s --help, the pipe closed before it writes', async (name) => {
    const ended = await closeEarly(bin(name), ['--help'], 'before');
    expect(ended).toEqual({ status: 0, signal: null, stderr: '', read: 0 });
  });

  it.each([[['scenario', 'list']], [['scenario', 'run', 'wait-for-users']]])('kmodsim %j, the pipe closed before it writes', async (args) => {
    const ended = await closeEarly(bin('kmodsim'), args, 'before');
    expect([ended.status, ended.signal, ended.read]).toEqual([0, null, 0]);
    expect(ended.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  // The audit's `| head -1`: the reader takes some output, then goes. Whether the tool still has
  // something to write by then depends on timing; when it has, it must stop quietly.
  it.each([[['scenario', 'list']], [['scenario', 'run', 'wait-for-users']]])('kmodsim %j, the pipe closed after the first chunk', async (args) => {
    const ended = await closeEarly(bin('kmodsim'), args, 'first-chunk');
    expect(ended.read).toBeGreaterThan(0);
    expect([ended.status, ended.signal]).toEqual([0, null]);
    expect(ended.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });
});
