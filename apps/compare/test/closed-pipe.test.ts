import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closeEarly } from '@kmodsim/vitest-config/closed-pipe';

// `kmodsim-compare scenarios | head -1`: the reader takes a line and goes, closing the pipe the
// tool writes to. That ends the output; it is no error. The built bin is run as a process of its
// own (one of this package's few end-to-end tests), its stdout a real pipe closed under it: it
// must end with status 0 and say nothing, not die of Node's unhandled 'error' event
// (`Error: write EPIPE` and a stack trace, exit 1).

const bin = fileURLToPath(new URL('../bin/kmodsim-compare.js', import.meta.url));

describe('a reader that closes the pipe early ends kmodsim-compare\'s output, no stack trace', () => {
  it.each(['before', 'first-chunk'] as const)('kmodsim-compare scenarios, the pipe closed %s', async (when) => {
    const ended = await closeEarly(bin, ['scenarios'], when);
    expect([ended.status, ended.signal, ended.stderr]).toEqual([0, null, '']);
    if (when === 'first-chunk') expect(ended.read).toBeGreaterThan(0);
  });

  it('kmodsim-compare --help, the pipe closed before it writes', async () => {
    expect(await closeEarly(bin, ['--help'], 'before')).toEqual({ status: 0, signal: null, stderr: '', read: 0 });
  });
});
