import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testIo } from '@kmodsim/cli';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

const run = promisify(execFile);
/** A usage error as kmod's tools say one: the program's name, then the problem, one line; no "ERROR:" (on check's stderr that is a pair's verdict). */
const ONE_LINE_USAGE_ERROR = /^kmodsim-compare: (?!ERROR:)[^\n]+\n$/;
const bin = fileURLToPath(new URL('../bin/kmodsim-compare.js', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function check(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'check', ...args], { cwd: fixtures, maxBuffer: 256 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

/** check run in-process, its real main with the fixtures as its working directory: for what needs no process of its own. */
async function checkInProcess(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const io = testIo({ cwd: fixtures });
  const code = await main(['check', ...args], io);
  return { stdout: io.stdoutText(), stderr: io.stderrText(), code };
}

describe('kmodsim-compare check', () => {
  test('a correct strategy gets a clean verdict per scenario and exit 0', async () => {
    const result = await check('--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'wait-vs-last-put', '--preemptions', '1', '--irqs', '0');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN\s+\d+\s+exhausted within 1 preemptions, 0 interrupts/m);
    expect(result.stdout).toMatch(/^global-spinlock\s+wait-vs-last-put\s+CLEAN/m);
  });

  test("today's Linux design is clean where it applies and N/A where a scenario needs rmmod --wait", async () => {
    const result = await check('--strategy', 'atomic-bias', '--scenario', 'unload-vs-get', '--scenario', 'wait-vs-last-put', '--preemptions', '1', '--json');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { scenario: string; verdict: string; reason?: string });
    expect(lines.map((line) => [line.scenario, line.verdict])).toEqual([['unload-vs-get', 'clean'], ['wait-vs-last-put', 'n/a']]);
    expect(lines[1]?.reason).toContain('atomic-bias refuses a module in use instead');
  });

  test("a user's own strategy file plugs in unchanged, and its race is found with a replay that reproduces it", async () => {
    const result = await check('--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--preemptions', '2', '--irqs', '0');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^racy-atomic\s+unload-vs-get\s+VIOLATION/m);
    const replay = /replay: (node \S+\/bin\/kmodsim-compare\.js check .*)$/m.exec(result.stdout)?.[1];
    expect(replay).toBeDefined();
    const schedule = /--replay '([^']+)'/.exec(replay ?? '')?.[1] ?? '';
    const again = await check('--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--replay', schedule);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('# tracer: nop');
    expect(again.stdout).toMatch(/# (use-after-free|call-into-freed-code): /);
  });

  test("an unloader that spins on a flag its module_put never sets is a livelock, not a clean verdict, and its replay says livelock", async () => {
    const result = await check('--strategy', './spins-on-stale-flag.mjs', '--scenario', 'wait-vs-last-put');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^spins-on-stale-flag\s+wait-vs-last-put\s+VIOLATION\s+\d+\s+livelock: every CPU that could run spins on memory that neither another CPU nor an interrupt handler will write/m);
    const schedule = /--replay '([^']+)'/.exec(result.stdout)?.[1] ?? '';
    const again = await check('--strategy', './spins-on-stale-flag.mjs', '--scenario', 'wait-vs-last-put', '--replay', schedule);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/rmmod: load demo_chardev\.users_gone -> 0/);
    expect(again.stdout).toMatch(/# livelock: the schedule ends after \d+ choices with the run still going/);
    expect(again.stderr).toBe('');
  });

  test("an unloader polling with schedule_timeout() for a flag nothing sets is a livelock, shown by its last rows, and its replay says livelock", async () => {
    const result = await check('--strategy', './polls-forever.mjs', '--scenario', 'wait-vs-last-put');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^polls-forever\s+wait-vs-last-put\s+VIOLATION\s+\d+\s+livelock: no end after 20000 steps, nor 100000 steps later under round-robin with interrupts arriving/m);
    // The column view keeps to the loop's last rows; the replay command prints them all.
    expect(result.stdout).toMatch(/… \d+ earlier rows not shown \(the replay command prints them all\)/);
    expect(result.stdout.split('\n').length).toBeLessThan(300);
    const schedule = /--replay '([^']+)'/.exec(result.stdout)?.[1] ?? '';
    const again = await check('--strategy', './polls-forever.mjs', '--scenario', 'wait-vs-last-put', '--replay', schedule);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/# livelock: the schedule ends after \d+ choices with the run still going/);
  });

  test('scenarios are searched at their documented bounds; the tearable local_t is caught where an interrupt takes a reference', async () => {
    const result = await check('--strategy', 'percpu-stop-machine', '--strategy', 'percpu-plain-local', '--scenario', 'irq-get-worker-put');
    // The broken variant declares this violation: caught as declared is success (exit 0), and says why it was expected.
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^percpu-stop-machine\s+irq-get-worker-put\s+CLEAN\s+\d+\s+exhausted within 1 preemptions, 1 interrupts/m);
    expect(result.stdout).toMatch(/^percpu-plain-local\s+irq-get-worker-put\s+EXPECTED\s+\d+\s+assertion: module_put: refcount of demo_chardev underflowed.*; known: /m);
    expect(result.stdout).toMatch(/^2 pairs: 1 clean, 1 expected, 0 unexpected, 0 n\/a; \d+ executions/m);
    const schedule = /--replay '([^']+)'/.exec(result.stdout)?.[1] ?? '';
    const again = await check('--strategy', 'percpu-plain-local', '--scenario', 'irq-get-worker-put', '--replay', schedule);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/# assertion: module_put: refcount of demo_chardev underflowed/);
  });

  test('a random search says it sampled: it never claims to have exhausted the space', async () => {
    const result = await check('--strategy', 'global-atomic', '--scenario', 'unload-vs-get', '--mode', 'random', '--seed', '3', '--executions', '40');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^global-atomic\s+unload-vs-get\s+CLEAN\s+40\s+40 random executions \(a sample: nothing proved\) within 2 preemptions/m);
    const json = await check('--strategy', 'global-atomic', '--scenario', 'unload-vs-get', '--mode', 'pct', '--executions', '20', '--json');
    expect((JSON.parse(json.stdout) as { counts: { exhausted: boolean } }).counts.exhausted).toBe(false);
  });

  test('--traces counts the distinct orders of dependent steps the search covered', async () => {
    const result = await check('--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--preemptions', '1', '--traces');
    expect(result.code).toBe(0);
    const traces = /(\d+) outcomes, (\d+) traces\)/.exec(result.stdout);
    if (traces === null) expect.fail(`no trace count in: ${result.stdout}`);
    const executions = Number(/CLEAN\s+(\d+)/.exec(result.stdout)?.[1]);
    expect(Number(traces[2])).toBeGreaterThan(1);
    expect(Number(traces[2])).toBeLessThanOrEqual(executions);
    const refused = await check('--scenario', 'unload-vs-get', '--traces', '--workers', '2');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--traces counts the traces of one whole exhaustive search');
  });

  test('a strategy whose code throws during setup is named with its error and exit 1, on one thread or several; the other strategies still get their verdicts', async () => {
    for (const workers of ['1', '2']) {
      const result = await check('--strategy', './throws-in-tryget.mjs', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put', '--preemptions', '0', '--workers', workers);
      expect(result.code, `--workers ${workers}`).toBe(1);
      expect(result.stderr).toContain('kmodsim-compare: ERROR: throws-in-tryget on unload-vs-get: setup of unload-vs-get failed:');
      expect(result.stderr).toContain('threw: tryGet is not written yet');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toMatch(/^throws-in-tryget\s+unload-vs-get\s+ERROR\s+0 {2}setup of unload-vs-get failed: .*tryGet is not written yet/m);
      expect(result.stdout).toMatch(/^throws-in-tryget\s+irq-get-put\s+VIOLATION\s+\d+\s+exception: worker-\d+ threw: tryGet is not written yet/m);
      expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN/m);
      expect(result.stdout).toMatch(/^global-spinlock\s+irq-get-put\s+CLEAN/m);
    }
    // In --json an error is a line of its own, which merge carries through (and fails on).
    const json = await check('--strategy', './throws-in-tryget.mjs', '--scenario', 'unload-vs-get', '--preemptions', '0', '--json');
    expect(json.code).toBe(1);
    const line = JSON.parse(json.stdout.trim()) as { verdict: string; reason: string };
    expect(line.verdict).toBe('error');
    expect(line.reason).toContain('tryGet is not written yet');
  });

  test('a strategy or scenario named twice is searched and counted once', async () => {
    const result = await checkInProcess('--strategy', 'global-spinlock', '--strategy', 'global-spinlock', '--scenario', 'irq-get-put', '--scenario', 'irq-get-put', '--preemptions', '0');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^global-spinlock\s+irq-get-put\s+CLEAN/gm)).toHaveLength(1);
    expect(result.stdout).toMatch(/^1 pair: 1 clean,/m);
  });

  test('--json prints one object per verdict', async () => {
    const result = await check('--strategy', 'global-spinlock', '--scenario', 'irq-get-put', '--json');
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { verdict: string; counts: { exhausted: boolean } });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.verdict).toBe('clean');
    expect(lines[0]?.counts.exhausted).toBe(true);
  });

  test('usage errors exit 2 and say what is wrong, on one line', async () => {
    const cases: [string[], string][] = [
      [['--strategy', 'magic'], "unknown strategy 'magic'; known: percpu-stop-machine, percpu-split-counters, global-spinlock"],
      [['--scenario', 'nope'], "unknown scenario 'nope'; known: unload-vs-get,"],
      [['--preemptions=-1'], '--preemptions must be a whole number from 0 to 10'],
      [['--mode', 'psychic'], "unknown mode 'psychic'"],
      [['--strategy', './missing-put.mjs'], "lacks 'put'"],
      [['--strategy', './no-such-file.mjs'], 'did not load'],
      [['--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--replay', 'kms2:rr'], "schedule string has version 'kms2'"],
      [['--seed', '-1'], "--seed must be a whole number from 0 to 4294967295, got '-1'"],
      [['--preemptions', '-1'], "--preemptions must be a whole number from 0 to 10, got '-1'"],
      [['--strategy', './throws-in-attach.mjs'], 'strategy throws-in-attach in ./throws-in-attach.mjs: attach() threw: no counter page configured'],
      [['--strategy', './throws-in-create.mjs'], 'strategy throws-in-create in ./throws-in-create.mjs: createModule() failed on a one-CPU machine:'],
      [['--strategy', 'percpu-stop-machine', '--scenario', 'unload-vs-get', '--cpus', '1'], '--cpus 1: scenario unload-vs-get needs at least 2 CPUs'],
      [['--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--replay', 'kms1:rr', '--json'], '--replay reruns one schedule and prints its trace: not with --json'],
      [['--strategy', 'atomic-bias', '--scenario', 'wait-vs-last-put', '--replay', 'kms1:rr'], 'atomic-bias on wait-vs-last-put cannot be judged (N/A)'],
      [['--strategy', 'percpu-naive-sum', '--scenario', 'unload-vs-get', '--replay', 'kms1:list:0*3'], 'the schedule stops before the run ends'],
      [['--strategy', './declares-unknown-scenario.mjs'], "declares-unknown-scenario declares a known violation in scenario 'unload-vs-gets', which does not exist"],
      [['--strategy', './declares-unknown-kind.mjs'], "declares-unknown-kind: unknown violation kind 'kaboom' in 'unload-vs-get'"],
      [['--reporter', 'xml'], "unknown reporter 'xml'; known: table, junit"],
      [['--scenario', 'wait-for-users'], "scenario 'wait-for-users' is a demonstration to watch, not one check searches: run it with 'kmodsim scenario run wait-for-users'"],
    ];
    for (const [args, message] of cases) {
      const result = await checkInProcess(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr, args.join(' ')).toMatch(ONE_LINE_USAGE_ERROR);
    }
  });

});

describe('kmodsim-compare check: declarations, reporters and the execution cap', () => {
  test.each([
    ['./declares-null.mjs', [], 'declares-null: knownViolations[0] must be an object { scenario, kinds, why }, got null'],
    ['./declares-kinds-string.mjs', [], "declares-kinds-string: the known violation in 'unload-vs-get' must list its kinds in an array (one or more of: "],
    ['./declares-scenario-number.mjs', [], "declares-scenario-number: knownViolations[0].scenario must be a scenario's name, got number 42"],
    ['./declares-unrunnable.mjs', ['--scenario', 'refused-open-while-waiting'], "declares-unrunnable declares a known violation in scenario 'refused-open-while-waiting', which it cannot run (the pair is N/A): scenario refused-open-while-waiting needs an unload that waits for users (rmmod --wait)"],
  ])('a malformed or unrunnable declaration (%s) is a one-line usage error naming it, exit 2, never a stack trace or a silent N/A', async (strategy, args, message) => {
    const result = await checkInProcess('--strategy', strategy, ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(ONE_LINE_USAGE_ERROR);
    expect(result.stdout).toBe('');
  });

  test('the summary counts every pair, N/A ones included, and says "1 pair" of one', async () => {
    const two = await checkInProcess('--strategy', 'atomic-bias', '--scenario', 'irq-get-put', '--scenario', 'refused-open-while-waiting', '--preemptions', '0');
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/^2 pairs: 1 clean, 0 expected, 0 unexpected, 1 n\/a; \d+ executions/m);
    const one = await checkInProcess('--strategy', 'atomic-bias', '--scenario', 'refused-open-while-waiting');
    expect(one.stdout).toMatch(/^1 pair: 0 clean, 0 expected, 0 unexpected, 1 n\/a; 0 executions/m);
    const json = await checkInProcess('--strategy', 'atomic-bias', '--scenario', 'refused-open-while-waiting', '--json');
    expect(json.stderr).toMatch(/^1 pair: 0 clean, 0 expected, 0 unexpected, 1 n\/a;/m);
  });

  test("a user's strategy may declare the violation it has: found, it is EXPECTED and the check exits 0; a pair declared clean that fails is a surprise", async () => {
    const result = await check('--strategy', './declares-its-race.mjs', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put', '--preemptions', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^declares-its-race\s+unload-vs-get\s+EXPECTED\s+\d+\s+(use-after-free|call-into-freed-code): .*; known: tests live before it increments/m);
    expect(result.stdout).toMatch(/^declares-its-race\s+irq-get-put\s+CLEAN/m);
  });

  test('--reporter junit writes one testcase per pair, with each surprise as a failure carrying its replay command', async () => {
    const result = await check('--strategy', './racy-atomic.mjs', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--preemptions', '1', '--reporter', 'junit');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites>/);
    expect(result.stdout).toContain('<testsuite name="kmodsim-compare check" tests="2" failures="1" errors="0" skipped="0"');
    expect(result.stdout).toMatch(/<testcase name="unload-vs-get" classname="kmodsim-compare.racy-atomic"><failure message="VIOLATION: [^"]+" type="violation">[^<]*replay: node \S+\/bin\/kmodsim-compare\.js check --strategy \S+\/fixtures\/racy-atomic\.mjs --scenario unload-vs-get --replay '[^<]*<\/failure><\/testcase>/);
    expect(result.stdout).toMatch(/<testcase name="unload-vs-get" classname="kmodsim-compare.global-spinlock"><system-out>CLEAN: no violation found<\/system-out><\/testcase>/);
  });

  test('--max-executions caps the whole search, every pass of the raised bound included', async () => {
    const result = await check('--strategy', 'percpu-stop-machine', '--scenario', 'unload-vs-get', '--preemptions', '10', '--max-executions', '500', '--json');
    const line = JSON.parse(result.stdout) as { counts: { executions: number; exhausted: boolean } };
    expect(line.counts.executions).toBe(500);
    expect(line.counts.exhausted).toBe(false);
  });

  test('a search stopped at the cap before it was exhausted is INCOMPLETE, exit 1, never CLEAN: in the table, its summary, --json and junit', async () => {
    const args = ['--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--max-executions', '5'];
    const table = await checkInProcess(...args);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+INCOMPLETE\s+5\s+stopped at 5 executions before the search was exhausted: no verdict; raise --max-executions/m);
    expect(table.stdout).not.toContain('CLEAN');
    expect(table.stdout).toMatch(/^1 pair: 0 clean, 0 expected, 1 unexpected \(1 incomplete: no verdict\), 0 n\/a;/m);
    const json = await checkInProcess(...args, '--json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { verdict: string }).verdict).toBe('incomplete');
    const junit = await checkInProcess(...args, '--reporter', 'junit');
    expect(junit.code).toBe(1);
    expect(junit.stdout).toContain('failures="1"');
    expect(junit.stdout).toContain('<failure message="INCOMPLETE: stopped at 5 executions before the search was exhausted: no verdict; raise --max-executions" type="incomplete">');
    expect(junit.stdout).not.toContain('CLEAN');
  });
});

describe('kmodsim-compare check and state kept outside simulated memory', () => {
  const NOT_CERTIFIED = /^keeps-host-state\s+unload-vs-get\s+ERROR\s+[1-9]\d*\s+not certified CLEAN: keeps-host-state keeps state outside simulated memory \(a run from the checkpoint after setup went differently from a fresh boot\), and a change to that state is no step the search can interleave with another CPU's, so finding nothing in \d+ executions proves nothing/m;

  test('a strategy whose JavaScript state shows (a run from the checkpoint differs from a fresh boot) and that is found clean is no CLEAN: an ERROR saying why, exit 1', async () => {
    const result = await checkInProcess('--strategy', './keeps-host-state.mjs', '--scenario', 'unload-vs-get', '--preemptions', '1', '--irqs', '0');
    expect(result.stdout).toMatch(NOT_CERTIFIED);
    expect(result.stdout).not.toContain('CLEAN ');
    expect(result.stdout).toMatch(/^1 pair: 0 clean, 0 expected, 1 unexpected, 0 n\/a; [1-9]\d* executions/m);
    expect(result.stderr).toMatch(/^kmodsim-compare: ERROR: keeps-host-state on unload-vs-get: not certified CLEAN: .* \(what showed it: a run started from the checkpoint taken after setup went differently from one booted afresh/m);
    expect(result.code).toBe(1);
  });

  test('count++ on a JavaScript variable from tasks and interrupts: never CLEAN; what the search found, it still reports', async () => {
    const result = await checkInProcess('--strategy', './js-counter.mjs', '--scenario', 'unload-vs-get', '--scenario', 'irq-user-vs-unload');
    expect(result.stdout).not.toMatch(/^js-counter\s+\S+\s+CLEAN/m);
    expect(result.stdout).toMatch(/^js-counter\s+unload-vs-get\s+VIOLATION\s+\d+\s+use-after-free/m);
    expect(result.stdout).toMatch(/^js-counter\s+irq-user-vs-unload\s+ERROR\s+\d+\s+not certified CLEAN: js-counter keeps state outside simulated memory/m);
    expect(result.code).toBe(1);
  });

  test('a count kept in JavaScript that every whole run brings back to where setup left it is no CLEAN either: a run stopped part-way before a sampled one shows it', async () => {
    const result = await checkInProcess('--strategy', './balances-host-state.mjs', '--scenario', 'module-get-vs-close', '--scenario', 'irq-get-put');
    expect(result.stdout).toMatch(/^balances-host-state\s+module-get-vs-close\s+ERROR\s+\d+\s+not certified CLEAN: balances-host-state keeps state outside simulated memory/m);
    expect(result.stdout).toMatch(/^balances-host-state\s+irq-get-put\s+ERROR\s+\d+\s+not certified CLEAN/m);
    expect(result.code).toBe(1);
  });

  test('--json, --reporter junit and the report carry the ERROR and its reason', async () => {
    const args = ['--strategy', './keeps-host-state.mjs', '--scenario', 'unload-vs-get', '--preemptions', '1', '--irqs', '0'];
    const json = await checkInProcess(...args, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/^not certified CLEAN: keeps-host-state keeps state outside simulated memory/) as unknown });
    const junit = await checkInProcess(...args, '--reporter', 'junit');
    expect(junit.code).toBe(1);
    expect(junit.stdout).toContain('errors="1"');
    expect(junit.stdout).toMatch(/<testcase name="unload-vs-get" classname="kmodsim-compare.keeps-host-state"><error message="not certified CLEAN: keeps-host-state keeps state outside simulated memory[^"]*proves nothing[^"]*"\/><\/testcase>/);
    const io = testIo({ cwd: fixtures });
    expect(await main(['report', ...args, '--format', 'json', '--out', '-', '--cpus', '1'], io)).toBe(1);
    const cell = (JSON.parse(io.stdoutText()) as { matrix: { cells: { verdict: string; surprise: boolean; detail: string }[] } }).matrix.cells[0];
    expect(cell).toMatchObject({ verdict: 'error', surprise: true, detail: expect.stringMatching(/^not certified CLEAN/) as unknown });
  });

  test('--no-checkpoints does not hide it: a short search with checkpoints looks, and the pair is the same ERROR', async () => {
    const result = await checkInProcess('--strategy', './keeps-host-state.mjs', '--scenario', 'unload-vs-get', '--preemptions', '1', '--irqs', '0', '--no-checkpoints');
    expect(result.stdout).toMatch(NOT_CERTIFIED);
    expect(result.code).toBe(1);
  });

  test('a sound design with --no-checkpoints stays CLEAN, with no note', async () => {
    const result = await checkInProcess('--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--preemptions', '1', '--irqs', '0', '--no-checkpoints');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN\s+\d+\s+exhausted/m);
    expect(result.code).toBe(0);
  });
});

describe('kmodsim-compare check --workers', () => {
  test('--workers gives each thread whole searches and prints the same verdicts, in the same order, as one thread', async () => {
    const args = ['--strategy', 'global-spinlock', '--strategy', './racy-atomic.mjs', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put', '--preemptions', '1', '--json'];
    const alone = await check(...args);
    const pooled = await check(...args, '--workers', '2');
    expect(pooled.code).toBe(alone.code);
    expect(alone.code).toBe(1);
    expect(pooled.stdout).toBe(alone.stdout);
    const verdicts = pooled.stdout.trim().split('\n').map((line) => JSON.parse(line) as { strategy: string; scenario: string; verdict: string; shard: unknown });
    expect(verdicts.map((line) => `${line.strategy} ${line.scenario} ${line.verdict}`)).toEqual([
      'global-spinlock unload-vs-get clean', 'global-spinlock irq-get-put clean', 'racy-atomic unload-vs-get violation', 'racy-atomic irq-get-put clean',
    ]);
    expect(verdicts.every((line) => line.shard === null)).toBe(true);
  });

  test('--workers splits a single search between threads, which find what one finds', async () => {
    const args = ['--strategy', 'percpu-naive-sum', '--scenario', 'unload-vs-get', '--json'];
    const [alone, pooled] = await Promise.all([check(...args), check(...args, '--workers', '2')]);
    const verdict = (stdout: string) => JSON.parse(stdout) as { verdict: string; violation: { kind: string; preemptions: number } | null };
    expect(pooled.code).toBe(0);
    // EXPECTED: the violation found is one the strategy declares for this pair. Which of its
    // declared kinds a thread meets first is a race between the threads (both need the same
    // preemptions); the bound at which the first turns up is not, each pass being exhaustive.
    expect(verdict(pooled.stdout).verdict).toBe('expected');
    expect(verdict(alone.stdout).verdict).toBe('expected');
    expect(verdict(pooled.stdout).violation?.preemptions).toBe(verdict(alone.stdout).violation?.preemptions);
  });

  test('--workers on one clean search: threads take subtrees from each other and together run exactly the executions one thread runs', async () => {
    const args = ['--strategy', 'percpu-stop-machine', '--scenario', 'unload-vs-get', '--preemptions', '1', '--json'];
    const counts = (stdout: string) => (JSON.parse(stdout) as { verdict: string; counts: { executions: number; exhausted: boolean } });
    const alone = counts((await check(...args)).stdout);
    const pooled = await check(...args, '--workers', '3');
    expect(pooled.code).toBe(0);
    expect(counts(pooled.stdout).verdict).toBe('clean');
    expect(counts(pooled.stdout).counts).toMatchObject({ executions: alone.counts.executions, exhausted: true });
  });

  test('a thread that dies takes only its pair with it: that pair is an ERROR, a new thread takes its place, and the other pairs get their verdicts', async () => {
    const result = await check('--strategy', './exits-its-thread.mjs', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put', '--preemptions', '0', '--workers', '2');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^kmodsim-compare: ERROR: exits-its-thread on unload-vs-get: a worker thread died while searching it: a worker thread exited with code 7 \(the thread had run [^)]*\.\/exits-its-thread\.mjs/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toMatch(/^exits-its-thread\s+unload-vs-get\s+ERROR/m);
    expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN/m);
    expect(result.stdout).toMatch(/^global-spinlock\s+irq-get-put\s+CLEAN/m);
  });

  test('a strategy file that does not load on a worker thread is an ERROR of its pairs, and the other pairs get their verdicts', async () => {
    const result = await check('--strategy', './refuses-worker-threads.mjs', '--strategy', 'global-spinlock', '--scenario', 'unload-vs-get', '--scenario', 'irq-get-put', '--preemptions', '0', '--workers', '2');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('kmodsim-compare: ERROR: refuses-worker-threads on unload-vs-get: strategy file ./refuses-worker-threads.mjs did not load: this strategy will not load on a worker thread');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toMatch(/^refuses-worker-threads\s+irq-get-put\s+ERROR/m);
    expect(result.stdout).toMatch(/^global-spinlock\s+unload-vs-get\s+CLEAN/m);
  });

  test('a strategy whose checkpoint diverges is searched again whole, booting afresh, on threads as on one: the same executions, and the same ERROR (it proves nothing)', async () => {
    const args = ['--strategy', './keeps-host-state.mjs', '--scenario', 'unload-vs-get', '--preemptions', '1'];
    const executions = (stdout: string) => /^keeps-host-state\s+unload-vs-get\s+ERROR\s+(\d+)\s+not certified CLEAN/m.exec(stdout)?.[1];
    const alone = await check(...args);
    const pooled = await check(...args, '--workers', '3');
    expect(pooled.code).toBe(1);
    expect(executions(pooled.stdout)).toBeDefined();
    expect(executions(pooled.stdout)).toBe(executions(alone.stdout));
    expect(pooled.stderr).toContain('(what showed it: a run started from the checkpoint taken after setup went differently');
  });
});
