import { describe, expect, test } from 'vitest';
import { formatFtrace, runScenario } from '@kmodsim/cpu';
import { soundStrategies } from '@kmodsim/refcount';
import { catalogue, expectationOf, scenarioMismatch } from '../src/index.js';

// Every scenario of the catalogue, run as `kmodsim scenario run` runs it: under random schedules
// it ends as the strategy's declarations say, and its trace replays byte for byte.

describe.each(soundStrategies())('the catalogue with $name', (strategy) => {
  const applicable = catalogue.filter((scenario) => scenarioMismatch(scenario, strategy) === undefined);
  test.each(applicable.map((scenario) => [scenario.name, scenario] as const))('%s ends as it should under 30 random schedules', (_name, scenario) => {
    const expectation = expectationOf(strategy, scenario);
    for (let seed = 0; seed < 30; seed++) {
      const run = runScenario(scenario.build(strategy), { cpuCount: scenario.cpuCount, schedule: `kms1:random:${seed}:irq=0.1:preempt=0.02` });
      if (!run.ok) expect.fail(run.message);
      const fault = run.value.fault;
      const where = `seed ${seed}: ${fault?.kind ?? ''} ${fault?.message ?? ''}`;
      if (expectation.kind === 'clean') expect(fault, where).toBeUndefined();
      else if (fault !== undefined) expect(expectation.kinds, where).toContain(fault.kind);
    }
  });

  test('every scenario\'s trace reads as ftrace and its choices replay it byte for byte', () => {
    for (const scenario of applicable) {
      const first = runScenario(scenario.build(strategy), { cpuCount: scenario.cpuCount, schedule: 'kms1:random:5', trace: true });
      if (!first.ok) expect.fail(first.message);
      const again = runScenario(scenario.build(strategy), { cpuCount: scenario.cpuCount, schedule: first.value.choices, trace: true });
      if (!again.ok) expect.fail(again.message);
      const text = formatFtrace(first.value.trace, scenario.cpuCount);
      expect(text).toContain('sched_switch');
      expect(formatFtrace(again.value.trace, scenario.cpuCount), scenario.name).toBe(text);
    }
  });
});
