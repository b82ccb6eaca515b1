import { spawn } from 'node:child_process';

// A reader that stops early (`| head -1`, `| head -c 10`) closes the pipe a tool writes to: that
// ends the output, it is no error. These run a bin as a process of its own, with its stdout a
// real pipe that is closed under it, so a test can see that it ends quietly (status 0, nothing
// on stderr) instead of dying of Node's unhandled 'error' event (`Error: write EPIPE`, exit 1).

/**
 * Runs `node script ...args` with stdout to a pipe that is destroyed after the first chunk read
 * from it (`when: 'first-chunk'`) or as soon as the process starts, before it can write anything
 * (`when: 'before'`). Resolves with how the process ended, its stderr, and the bytes read.
 */
export function closeEarly(script, args, when) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let read = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => { stderr += text; });
    if (when === 'before') child.stdout.destroy();
    else {
      child.stdout.once('data', (chunk) => {
        read = chunk.length;
        child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (status, signal) => { resolve({ status, signal, stderr, read }); });
  });
}
