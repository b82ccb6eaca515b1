// Writes the contract coverage table into this package's README, between its markers, from the
// catalogue's declarations (test/contract-coverage.test.ts checks both the README and the
// declarations against what the scenarios really do).
import { readFileSync, writeFileSync } from 'node:fs';
import { catalogue, coverageTable } from '../src/index.js';

const README = new URL('../README.md', import.meta.url);
const BEGIN = '<!-- contract-coverage:begin -->';
const END = '<!-- contract-coverage:end -->';
const text = readFileSync(README, 'utf8');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} ... ${END} markers`);
writeFileSync(README, `${text.slice(0, start + BEGIN.length)}\n${coverageTable(catalogue)}${text.slice(end)}`);
