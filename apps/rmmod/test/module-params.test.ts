import { describe, expect, test } from 'vitest';
import { parseModuleArgs, type ModuleParam } from '@kmodsim/module';
import { fixtures, newMachineDir, tool } from './machine-harness.js';

// Module parameters as the kernel's parse_args sets them: each value checked by its type, an
// unknown name ignored with a warning, and a value its type refuses failing the load with
// insmod's words, the kernel's line in dmesg, and the module not loaded.

describe('insmod with parameters (demo_irq takes irq, a uint)', () => {
  test('a value its type refuses fails the load; an unknown parameter is ignored with the kernel\'s warning', async () => {
    const t = tool(newMachineDir());
    // demo_irq needs demo_lib's exports: load that first, so only the parameters can fail.
    for (const [bin, args] of [['kmodsim', ['boot']], ['modprobe', ['demo_lib']]] as const) expect((await t.run(bin, args)).status).toBe(0);
    const file = `${fixtures}demo_irq.ko`;
    const refused: [string[], string, string][] = [
      [['irq=abc'], 'Invalid parameters', "demo_irq: `abc' invalid for parameter `irq'"],
      [['irq=-1'], 'Invalid parameters', "demo_irq: `-1' invalid for parameter `irq'"],
      [['irq=99999999999'], 'Numerical result out of range', "demo_irq: `99999999999' invalid for parameter `irq'"],
      [['irq'], 'Invalid parameters', "demo_irq: `' invalid for parameter `irq'"],
    ];
    for (const [params, words, logLine] of refused) {
      expect(await t.run('insmod', [file, ...params])).toEqual({ status: 1, stdout: '', stderr: `insmod: ERROR: could not insert module ${file}: ${words}\n` });
      expect((await t.run('kmodsim', ['dmesg'])).stdout).toContain(`${logLine}\n`);
      expect((await t.run('lsmod', [])).stdout).not.toContain('demo_irq');
    }
    expect(await t.run('modprobe', ['demo_irq', 'irq=x'])).toMatchObject({ status: 1, stderr: "modprobe: ERROR: could not insert 'demo_irq': Invalid argument\n" });
    expect(await t.run('insmod', [file, 'irq=0x0b', 'no_such=1'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.run('kmodsim', ['dmesg'])).stdout).toMatch(/\] demo_irq: unknown parameter 'no_such' ignored\n\[[ \d.]+\] demo_irq: module loaded\n$/);
  });
});

describe('parse_args on the types modules declare', () => {
  const params: ModuleParam[] = [
    { name: 'count', type: 'int' },
    { name: 'mask', type: 'byte' },
    { name: 'debug', type: 'bool' },
    { name: 'off', type: 'invbool' },
    { name: 'ids', type: 'array of ushort' },
    { name: 'label', type: 'charp' },
    { name: 'custom', type: 'timeout' },
  ];
  const errnoOf = (args: string): string | undefined => parseModuleArgs('m', args, params).errno;

  test('numbers: base 0 as kstrtoint reads it, ERANGE when they do not fit', () => {
    expect(['count=-12', 'count=0x7fffffff', 'count=017', 'count=+3', 'mask=255'].map(errnoOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(['count=0x80000000', 'mask=256', 'count=99999999999999999999999'].map(errnoOf)).toEqual(['ERANGE', 'ERANGE', 'ERANGE']);
    expect(['count=08', 'count=', 'count=1.5', 'count=12abc', 'count'].map(errnoOf)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
  });

  test('only bool takes a bare name; arrays check every element; unknown types take anything', () => {
    expect(['debug', 'debug=Y', 'debug=on', 'off=n', 'ids=1,2,65535', 'label="a b"', 'custom=whatever'].map(errnoOf)).toEqual(Array(7).fill(undefined));
    expect(['debug=maybe', 'off', 'ids=1,,2', 'ids=1,65536', 'label'].map(errnoOf)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'ERANGE', 'EINVAL']);
  });

  test('every word is tried and logged; dashes match underscores; quotes keep spaces; -- ends the list', () => {
    expect(parseModuleArgs('m', 'count=x label="two words" bogus mask=300 -- count=y', params)).toEqual({
      log: ["m: `x' invalid for parameter `count'", "m: unknown parameter 'bogus' ignored", "m: `300' invalid for parameter `mask'"],
      errno: 'ERANGE',
    });
    expect(parseModuleArgs('m', 'Debug=1 de-bug=1 dyndbg=+p async_probe', [{ name: 'de_bug', type: 'bool' }])).toEqual({ log: ["m: unknown parameter 'Debug' ignored"] });
  });
});
