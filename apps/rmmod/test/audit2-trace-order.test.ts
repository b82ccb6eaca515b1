import { describe, expect, test } from 'vitest';
import { main as kmodsim } from '../src/cli/kmodsim.js';
import { main as modprobe } from '../src/cli/modprobe.js';
import { main as rmmod } from '../src/cli/rmmod.js';
import type { CliMain } from '@kmodsim/cli';
import { runTool, type Ran } from './run-tool.js';
import { newMachineDir } from './machine-harness.js';

// kmodsim trace prints one merged trace, as ftrace's `trace` file does: every CPU's events by
// timestamp, not in the order the simulator happened to run the CPUs' steps.

const ran = (tool: CliMain, args: readonly string[]): Promise<Ran> => runTool(tool, args);

/** The event lines of ftrace text: CPU and timestamp. */
function eventLines(text: string): { cpu: number; cycles: number; line: string }[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /\[(\d{3})\] \S+ +(\d+): /.exec(line);
    expect(match, line).not.toBeNull();
    return { cpu: Number(match?.[1]), cycles: Number(match?.[2]), line };
  });
}

describe('kmodsim trace --format ftrace', () => {
  test('boot, modprobe, hold, rmmod on two CPUs: one list in timestamp order, both CPUs in it', async () => {
    const dir = newMachineDir();
    expect((await ran(kmodsim, ['boot', '--machine', dir, '--cpus', '2'])).status).toBe(0);
    expect((await ran(modprobe, ['-M', dir, 'demo_chardev'])).status).toBe(0);
    expect((await ran(modprobe, ['-M', dir, 'demo_irq'])).status).toBe(0);
    expect((await ran(kmodsim, ['hold', '--machine', dir, 'demo_chardev', '--for', '1ms'])).status).toBe(0);
    expect((await ran(rmmod, ['-M', dir, 'demo_irq'])).status).toBe(0);
    const trace = await ran(kmodsim, ['trace', '--machine', dir, '--last', '5']);
    expect(trace.status).toBe(0);
    const events = eventLines(trace.stdout);
    expect(trace.stdout).toContain(`# entries-in-buffer/entries-written: ${events.length}/${events.length}   #P:2`);
    expect(new Set(events.map((event) => event.cpu))).toEqual(new Set([0, 1]));
    const outOfOrder = events.filter((event, index) => index > 0 && event.cycles < (events[index - 1]?.cycles ?? 0));
    expect(outOfOrder.map((event) => event.line)).toEqual([]);
    // Both CPUs ran while the commands did: their lines interleave, not one CPU's block after the other's.
    const switches = events.filter((event, index) => index > 0 && event.cpu !== events[index - 1]?.cpu).length;
    expect(switches).toBeGreaterThan(4);
  });
});
