import { describe, expect, test } from 'vitest';
import type { CostReport, CostWorkload, StrategyCost } from '../src/cost/cost-report.js';
import { cost } from './cost-run.js';

async function costJson(...args: string[]): Promise<CostReport> {
  const result = await cost(...args, '--json');
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as CostReport;
}

type Priced = Extract<StrategyCost, { ok: true }>;

function priced(report: CostReport, name: string): Priced {
  const strategy = report.strategies.find((entry) => entry.strategy === name);
  if (strategy?.ok !== true) expect.fail(`${name} was not priced: ${JSON.stringify(strategy)}`);
  return strategy;
}

function cycles(strategy: Priced, workload: CostWorkload, cpus: number): number {
  const point = strategy.series.find((series) => series.workload === workload)?.points.find((at) => at.cpus === cpus);
  if (point === undefined) expect.fail(`${strategy.strategy} has no ${workload} figure at ${cpus} CPUs`);
  return point.cycles;
}

describe('kmodsim-compare cost', () => {
  test("the seed's get+put costs the same at 64 CPUs as at 1, where one lock or one shared atomic grows many-fold", async () => {
    const report = await costJson('--cpus', '1,64', '--strategy', 'percpu-stop-machine', '--strategy', 'global-spinlock', '--strategy', 'global-atomic');
    expect(report.profile).toMatchObject({ name: 'xeon-8176-perfbook', ghz: 2.1 });
    expect(report.cpuCounts).toEqual([1, 64]);
    const seed = priced(report, 'percpu-stop-machine');
    expect(cycles(seed, 'get-put', 64)).toBeLessThanOrEqual(cycles(seed, 'get-put', 1) * 1.1);
    for (const name of ['global-spinlock', 'global-atomic']) {
      const global = priced(report, name);
      expect(cycles(global, 'get-put', 64)).toBeGreaterThan(cycles(global, 'get-put', 1) * 100);
      // Most of that time the CPUs wait for the one line to come to them; the seed's never do.
      expect(global.coherence.find((point) => point.cpus === 64)?.share).toBeGreaterThan(0.5);
      // The contention curve: fewer CPUs using it, less each pays; one alone pays what one CPU does.
      expect(cycles(global, 'get-put-quarter', 64)).toBeLessThan(cycles(global, 'get-put', 64));
      expect(cycles(global, 'get-put-one', 64)).toBe(cycles(global, 'get-put', 1));
    }
    expect(seed.coherence.map((point) => point.share)).toEqual([0, 0]);
    // Nanoseconds are the cycles over the profile's clock.
    const point = seed.series[0]?.points[0];
    expect(point?.ns).toBeCloseTo((point?.cycles ?? 0) / 2.1, 3);
  });

  test('the per-CPU designs stop the machine to unload and their count grows with the CPUs; a global count does neither', async () => {
    const report = await costJson('--cpus', '4,64', '--profile', 'generic', '--strategy', 'percpu-stop-machine', '--strategy', 'percpu-split-counters', '--strategy', 'global-spinlock');
    expect(report.profile.name).toBe('generic');
    for (const name of ['percpu-stop-machine', 'percpu-split-counters']) {
      const percpu = priced(report, name);
      expect(percpu.stopsMachine).toBe(true);
      expect(cycles(percpu, 'others-stopped', 4)).toBeGreaterThan(0);
      expect(cycles(percpu, 'irqs-off', 4)).toBeGreaterThan(0);
      expect(cycles(percpu, 'others-stopped', 64)).toBeGreaterThan(cycles(percpu, 'others-stopped', 4));
      const [at4, at64] = percpu.memory;
      expect(at64?.bytesPerModule).toBeGreaterThan(at4?.bytesPerModule ?? Infinity);
      expect(at64?.bytesForTree).toBe((at64?.bytesPerModule ?? 0) * report.modulesInTree);
    }
    const global = priced(report, 'global-spinlock');
    expect(global.stopsMachine).toBe(false);
    expect(cycles(global, 'others-stopped', 64)).toBe(0);
    expect(global.memory.map((point) => point.bytesPerModule)).toEqual([64, 64]);
  });

  test("rmmod --wait frees the module soon after the last user lets go, where the design waits at all; today's Linux refuses to wait", async () => {
    const report = await costJson('--cpus', '4', '--strategy', 'percpu-stop-machine', '--strategy', 'atomic-bias');
    const seed = priced(report, 'percpu-stop-machine');
    expect(seed.waitsForUsers).toBe(true);
    expect(cycles(seed, 'wait-release', 4)).toBeGreaterThan(0);
    const bias = priced(report, 'atomic-bias');
    expect(bias.waitsForUsers).toBe(false);
    expect(bias.series.map((series) => series.workload)).not.toContain('wait-release');
  });

  test('the tables name the profile, give each workload a row per strategy and a column per size, and are the same bytes every run', async () => {
    const args = ['--cpus', '1,16', '--strategy', 'percpu-stop-machine', '--strategy', 'atomic-bias'];
    const first = await cost(...args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Profile xeon-8176-perfbook \(2\.1 GHz\): 8-socket Intel Xeon Platinum 8176/);
    expect(first.stdout).toMatch(/^get\+put, every CPU using the module: time per try_module_get \+ module_put\nCPUS\s+1\s+16\npercpu-stop-machine\s+3\.81 ns\s+3\.81 ns$/m);
    expect(first.stdout).toMatch(/^atomic-bias\s+does not wait: rmmod --wait is refused while the module is in use$/m);
    expect(first.stdout).toMatch(/^refcount memory per module, cache-line padding included\nCPUS\s+1\s+16\npercpu-stop-machine\s+64 B\s+1 KiB$/m);
    expect(first.stdout).toMatch(/^percpu-stop-machine\s+yes\s+yes$/m);
    expect((await cost(...args)).stdout).toBe(first.stdout);
  });
});
