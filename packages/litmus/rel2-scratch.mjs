import { readFileSync } from 'node:fs';
import { runLitmus } from './dist/index.js';
const f = process.argv[2];
const r = runLitmus(readFileSync('litmus-tests/' + f + '.litmus', 'utf8'), { model: process.argv[3] ?? 'relaxed', maxExecutions: 300000 });
console.log(f, r.ok ? [r.value.answer, r.value.counts.executions] : r.error);
