import { CRAFTED } from './craft.js';
import { runInput } from './run-input.js';
import { embeddedEntry } from './sources.js';

// Runs one crafted input (named in CRAFTED_INPUT) in a process of its own, so that its time and
// peak memory are its alone; prints them as one JSON line.

const name = process.env['CRAFTED_INPUT'] ?? '';
const build = CRAFTED[name];
if (build === undefined) throw new Error(`no crafted input '${name}'`);
const bytes = build();
const entry = embeddedEntry();
const baseRss = process.resourceUsage().maxRSS * 1024;
const start = performance.now();
const outcome = runInput(bytes, entry);
const ms = performance.now() - start;
process.stdout.write(`${JSON.stringify({ name, outcome, ms, inputBytes: bytes.length, baseRssBytes: baseRss, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
