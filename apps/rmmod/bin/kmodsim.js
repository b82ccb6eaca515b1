#!/usr/bin/env node
import { main } from '../dist/cli/kmodsim.js';
import { processIo } from '@kmodsim/cli';

process.exitCode = await main(process.argv.slice(2), processIo());
