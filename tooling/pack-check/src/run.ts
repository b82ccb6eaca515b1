import { execFile } from 'node:child_process';

export interface RunOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end and hands back its exit status and output; never throws for a non-zero status. */
export function run(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${file}: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Fails with the program's output when it did not exit 0. */
export async function runOk(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const output = await run(file, args, options);
  if (output.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} (in ${options.cwd}) exited ${output.code}\n${output.stdout}\n${output.stderr}`);
  }
  return output.stdout;
}
