#!/usr/bin/env node
import { main } from '../dist/cli/rmmod.js';
import { endOnClosedPipe, processIo } from '@kmodsim/cli';

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is no error.
endOnClosedPipe();

// Ctrl-C while rmmod --wait waits: the tool stops waiting and says what the simulated rmmod does.
const interrupted = new AbortController();
process.on('SIGINT', () => { interrupted.abort(); });
process.exitCode = await main(process.argv.slice(2), processIo(interrupted.signal));
