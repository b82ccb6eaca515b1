import { describe, expect, test } from 'vitest';
import { formatFtrace, runScenario } from '@kmodsim/cpu';
import { soundStrategies } from '@kmodsim/refcount';
import { moduleScenarios, scenarioMismatch } from '@kmodsim/module';

describe.each(soundStrategies())('module scenarios with $name', (strategy) => {
  const applicable = moduleScenarios.filter((scenario) => scenarioMismatch(scenario, strategy) === undefined);
  test.each(applicable.map((scenario) => [scenario.name, scenario] as const))('%s ends as it should under 100 random schedules', (_name, scenario) => {
    for (let seed = 0; seed < 100; seed++) {
      const run = runScenario(scenario.build({ strategy }), { cpuCount: scenario.cpuCount, schedule: `kms1:random:${seed}:irq=0.1:preempt=0.02` });
      if (!run.ok) expect.fail(run.error.message);
      const fault = run.value.fault;
      const where = `seed ${seed}: ${fault?.kind ?? ''} ${fault?.message ?? ''}`;
      if (scenario.expectedFault === undefined) expect(fault, where).toBeUndefined();
      else expect(fault?.kind, where).toBe(scenario.expectedFault);
    }
  });

  test('every scenario\'s trace reads as ftrace and its choices replay it byte for byte', () => {
    for (const scenario of applicable) {
      const first = runScenario(scenario.build({ strategy }), { cpuCount: scenario.cpuCount, schedule: 'kms1:random:5', trace: true });
      if (!first.ok) expect.fail(first.error.message);
      const again = runScenario(scenario.build({ strategy }), { cpuCount: scenario.cpuCount, schedule: first.value.choices, trace: true });
      if (!again.ok) expect.fail(again.error.message);
      const text = formatFtrace(first.value.trace, scenario.cpuCount);
      expect(text).toContain('sched_switch');
      expect(formatFtrace(again.value.trace, scenario.cpuCount), scenario.name).toBe(text);
    }
  });
});
