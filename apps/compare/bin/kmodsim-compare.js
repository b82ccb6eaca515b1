#!/usr/bin/env node
import { main } from '../dist/cli.js';
import { endOnClosedPipe, processIo } from '@kmodsim/cli';

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is no error.
endOnClosedPipe();

process.exitCode = await main(process.argv.slice(2), {
  ...processIo(),
  isTty: process.stderr.isTTY,
  now: () => performance.now(),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  stderrColumns: process.stderr.isTTY ? process.stderr.columns : undefined,
  script: process.argv[1],
});
