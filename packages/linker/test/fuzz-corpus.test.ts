import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { runInput } from '../fuzz/run-input.js';
import { embeddedEntry } from '../fuzz/sources.js';

// Every input the fuzz campaign (pnpm fuzz) ever found crashing or hanging is kept in
// fuzz/corpus/ and must stay a value (a refusal or a module), quickly, from now on.

const corpusDir = fileURLToPath(new URL('../fuzz/corpus/', import.meta.url));
const inputs = readdirSync(corpusDir).filter((name) => name.endsWith('.bin')).sort();

test.each(inputs.length > 0 ? inputs : ['(none yet)'])('corpus input %s gives a value', (name) => {
  if (name === '(none yet)') return;
  const entry = embeddedEntry();
  expect(() => runInput(new Uint8Array(readFileSync(`${corpusDir}${name}`)), entry)).not.toThrow();
});
