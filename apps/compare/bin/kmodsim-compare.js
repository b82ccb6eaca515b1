#!/usr/bin/env node
import { main } from '../dist/cli.js';

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is no error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), isTty: process.stderr.isTTY, now: () => performance.now(), columns: process.stdout.isTTY ? process.stdout.columns : undefined });
