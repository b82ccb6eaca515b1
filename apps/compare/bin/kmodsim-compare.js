#!/usr/bin/env node
import { main } from '../dist/cli.js';
import { processIo } from '@kmodsim/cli';

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is no error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2), { ...processIo(), isTty: process.stderr.isTTY, now: () => performance.now(), columns: process.stdout.isTTY ? process.stdout.columns : undefined });
