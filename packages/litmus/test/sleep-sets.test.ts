import { describe, expect, test } from 'vitest';
import { replayLitmus, runLitmus } from '../src/index.js';

// runLitmus searches with sleep sets on. Under 'relaxed' a flush leaves every other CPU a stale
// copy of its cell and a barrier drops its CPU's copies, whatever cells they hold: the two share
// no location yet do not commute. Taken as independent, a barrier slept across another CPU's
// flush and the search answered Never for an outcome that tso, and relaxed without sleep sets,
// reach (P3 reads z=1, its y=1 is overwritten by P1's y=2, and P2 then reads w=1).
const z63HbPo = `C Z6.3-hb-po
{ x=0; y=0; z=0; w=0; }
P0(int *x, int *z) { WRITE_ONCE(*x, 1); smp_mb(); WRITE_ONCE(*z, 1); }
P1(int *y, int *w) { WRITE_ONCE(*y, 2); smp_mb(); WRITE_ONCE(*w, 1); }
P2(int *x, int *w) { int r0; int r1; r0 = READ_ONCE(*w); smp_rmb(); r1 = READ_ONCE(*x); }
P3(int *y, int *z) { int r9; r9 = READ_ONCE(*z); WRITE_ONCE(*y, 1); }
exists (y=2 /\\ 3:r9=1 /\\ 2:r0=1)
`;

describe('an outcome reached through barriers and other CPUs\' flushes, with sleep sets', () => {
  test.each(['sc', 'tso', 'relaxed'] as const)('Z6.3-hb-po is Sometimes under %s, with a witness that replays', (model) => {
    const run = runLitmus(z63HbPo, { model });
    if (!run.ok) throw new Error(run.error.message);
    expect(run.value.answer).toBe('Sometimes');
    const replayed = replayLitmus(z63HbPo, run.value.witness?.schedule ?? '', { model });
    expect(replayed.ok && replayed.value.existsHolds).toBe(true);
  });
});
