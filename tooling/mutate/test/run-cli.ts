import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs the built kmodsim-mutate (dist/cli.js) as a user does: its status and what it printed.

export const mutateCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runMutate(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [mutateCli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}
