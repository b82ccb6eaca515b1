import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMutants, mutatedSource } from '../src/generate.js';
import { findHomes, homeUrl, loadStrategy } from '../src/homes.js';
import { runMutant } from '../src/run.js';
import { createSandbox, removeSandbox, writeMutant } from '../src/sandbox.js';

// A known-bad mutant: percpu-stop-machine's stop step deciding without stop_machine, which is
// the built-in percpu-naive-sum variant's flaw. The suite must kill it, on unload-vs-get (the
// cheapest scenario that shows it: a get slips in between the sum and GOING).

const packageRoot = fileURLToPath(new URL('../../../packages/refcount', import.meta.url));
const sandbox = createSandbox(packageRoot, `test${process.pid}`);
afterAll(() => { removeSandbox(sandbox); });

describe('a mutant run against the suite', () => {
  it('kills the seed design deciding its stop step without stop_machine', async () => {
    const file = 'strategies/percpu.ts';
    const source = sandbox.sources.get(file)!;
    const unstop = generateMutants(file, source).filter((mutant) => mutant.operator === 'unstop' && mutant.description.startsWith('stop()'));
    expect(unstop).toHaveLength(1);
    const home = (await findHomes(sandbox)).find((entry) => entry.strategy === 'percpu-stop-machine')!;
    writeMutant(sandbox, file, mutatedSource(source, unstop[0]!), 'unstop');
    const strategy = await loadStrategy(homeUrl(sandbox, home, 'unstop'), home.exportName);
    const original = { scenario: 'unload-vs-get', verdict: 'clean' as const, executions: 5_000, seconds: 1, detail: '' };
    const outcome = runMutant(new Map([[home.strategy, strategy]]), [{ strategy: home.strategy, scenario: 'unload-vs-get', original }]);
    expect(outcome.status).toBe('killed');
    expect(outcome.killedBy).toMatchObject({ scenario: 'unload-vs-get', verdict: 'violation' });
    // Freed under its user, or its exit run while a reference is held: how the suite reports it is the suite's.
    expect(outcome.killedBy?.detail).toMatch(/use-after-free|call-into-freed-code|still held/);
  });
});
