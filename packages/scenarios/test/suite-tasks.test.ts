import { describe, test } from 'vitest';
import { suite } from '../src/index.js';
import { SEED, checkSeedOn, seedTests } from './seed-suite.js';

describe(`the suite's scenarios of tasks alone (no interrupt), against ${SEED} at the documented bounds`, () => {
  test.each(seedTests(suite.filter((entry) => entry.bounds.irqs === 0)))('%s', (_name, entry, shard) => {
    checkSeedOn(entry, shard);
  });
});
