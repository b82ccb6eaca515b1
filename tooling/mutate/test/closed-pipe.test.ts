import { describe, expect, it } from 'vitest';
import { closeEarly } from '@kmodsim/vitest-config/closed-pipe';
import { mutateCli } from './run-cli.js';

// A reader that stops early (`kmodsim-mutate --list | head -1`) closes the pipe kmodsim-mutate
// writes to: that ends the output, it is no error. The built bin is run with its stdout a real
// pipe closed under it; it may not die of Node's unhandled 'error' event (`Error: write EPIPE`
// and a stack trace, exit 1). The kmod tools' own bins are tested so in apps/rmmod.

describe('a reader that closes the pipe early ends the output, no stack trace', () => {
  it.each(['before', 'first-chunk'] as const)('kmodsim-mutate --list, the pipe closed %s', async (when) => {
    const ended = await closeEarly(mutateCli, ['--list', '--quiet'], when);
    expect([ended.status, ended.signal, ended.stderr]).toEqual([0, null, '']);
  });
});
