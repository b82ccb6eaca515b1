import { readFileSync, readdirSync } from 'node:fs';
import { runLitmus } from './dist/index.js';
for (const f of readdirSync('litmus-tests').filter((f) => f.endsWith('.litmus'))) {
  const src = readFileSync('litmus-tests/' + f, 'utf8');
  const row = [f.replace('.litmus', '')];
  for (const model of ['tso', 'relaxed']) {
    const t0 = performance.now();
    const r = runLitmus(src, { model, maxExecutions: 100000 });
    row.push(r.ok ? `${r.value.answer}(${r.value.counts.executions},${Math.round(performance.now() - t0)}ms)` : 'ERR');
  }
  console.log(row.join(' '));
}
