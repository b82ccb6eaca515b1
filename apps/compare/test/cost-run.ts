import { fileURLToPath } from 'node:url';
import { testIo } from '@kmodsim/cli';
import { main } from '../src/cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** kmodsim-compare cost run in-process, its real main, with the fixtures as its working directory. */
export async function cost(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const io = testIo({ cwd: fixtures });
  const code = await main(['cost', ...args], io);
  return { stdout: io.stdoutText(), stderr: io.stderrText(), code };
}
