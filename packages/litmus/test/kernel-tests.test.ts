import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runLitmus } from '../src/index.js';

// The kernel's litmus tests (litmus-tests/, vendored with their README) with the answer expected
// under each model this version runs, and why. The file's own `Result:` line is LKMM's answer.
//
// sc: sequential consistency allows an outcome only if one interleaving of the processes' steps,
// each in program order, produces it. Every exists clause below describes a cycle that SC
// forbids: each needs some access to happen both before and after another (reasons per line).
// SC is stronger than LKMM, so every LKMM `Never` is `Never` here too.
//
// tso (x86-TSO): only a store followed by a later load of another location may be reordered (the
// store waits in the CPU's FIFO buffer), a CPU reads its own buffered stores, smp_mb() and locked
// operations drain the buffer, and stores reach all other CPUs at once.

const read = (file: string): string => readFileSync(new URL(`../litmus-tests/${file}.litmus`, import.meta.url), 'utf8');

const kernelTests: readonly (readonly [file: string, lkmm: 'Sometimes' | 'Never', sc: 'Never', why: string])[] = [
  ['CoRR+poonceonce+Once', 'Never', 'Never', 'two reads of x in order cannot see 1 then the initial 0'],
  ['CoRW+poonceonce+Once', 'Never', 'Never', 'r0=2 puts x=2 before P0\'s x=1, so x cannot end as 2'],
  ['CoWR+poonceonce+Once', 'Never', 'Never', 'x ending 1 puts x=2 before P0\'s x=1, so the read after x=1 sees 1'],
  ['CoWW+poonceonce', 'Never', 'Never', 'one process writes 1 then 2: 2 is last'],
  ['IRIW+mbonceonces+OnceOnce', 'Never', 'Never', 'SC has one order of the two writes; the readers cannot see it both ways'],
  ['IRIW+poonceonces+OnceOnce', 'Sometimes', 'Never', 'as above: without barriers SC still has one order of all writes'],
  ['ISA2+pooncelock+pooncelock+pombonce', 'Never', 'Never', 'x=1 < y=1 < P1 reads y < z=1 < P2 reads z < P2 reads x'],
  ['ISA2+poonceonces', 'Sometimes', 'Never', 'x=1 < y=1 < P1 reads y < z=1 < P2 reads z < P2 reads x, so r1=1'],
  ['ISA2+pooncerelease+poacquirerelease+poacquireonce', 'Never', 'Never', 'the same chain'],
  ['LB+ctrlonceonce+mbonceonce', 'Never', 'Never', 'each read must come after the other process\'s later write'],
  ['LB+poacquireonce+pooncerelease', 'Never', 'Never', 'load buffering: each read before its own write, after the other\'s'],
  ['LB+poonceonces', 'Sometimes', 'Never', 'load buffering is a cycle in any single interleaving'],
  ['LB+unlocklockonceonce+poacquireonce', 'Never', 'Never', 'load buffering with locks around P0\'s accesses'],
  ['MP+onceassign+derefonce', 'Never', 'Never', 'r0=x means p was read after it was set, after x=1'],
  ['MP+polockmbonce+poacquiresilsil', 'Never', 'Never', 'x=1 is inside the lock; unlocked then locked again needs a second locker'],
  ['MP+polockonce+poacquiresilsil', 'Sometimes', 'Never', 'as above: SC needs no smp_mb__after_spinlock()'],
  ['MP+polocks', 'Never', 'Never', 'message passing: flag read 1 means buf=1 was earlier'],
  ['MP+poonceonces', 'Sometimes', 'Never', 'message passing: flag=1 seen means buf=1 happened before the read of buf'],
  ['MP+pooncerelease+poacquireonce', 'Never', 'Never', 'message passing'],
  ['MP+porevlocks', 'Never', 'Never', 'message passing with locks'],
  ['MP+unlocklockonceonce+fencermbonceonce', 'Never', 'Never', 'message passing with locks'],
  ['MP+wmbonceonce+rmbonceonce', 'Never', 'Never', 'message passing'],
  ['R+mbonceonces', 'Never', 'Never', 'y ending 2 puts y=2 after y=1, after x=1, so the read of x after y=2 sees 1'],
  ['R+poonceonces', 'Sometimes', 'Never', 'as above, without barriers'],
  ['S+poonceonces', 'Sometimes', 'Never', 'r0=1: y=1 (after x=2) before P1\'s x=1, so x ends 1'],
  ['S+wmbonceonce+poacquireonce', 'Never', 'Never', 'as above'],
  ['SB+mbonceonces', 'Never', 'Never', 'store buffering: whichever store is first, the other process reads it'],
  ['SB+poonceonces', 'Sometimes', 'Never', 'store buffering: the later reader sees the earlier store'],
  ['SB+rfionceonce-poonceonces', 'Sometimes', 'Never', 'store buffering with extra reads of the process\'s own store'],
  ['WRC+poonceonces+Once', 'Sometimes', 'Never', 'x=1 < P1 reads x < y=1 < P2 reads y < P2 reads x, so r1=1'],
  ['WRC+pooncerelease+rmbonceonce+Once', 'Never', 'Never', 'the same chain'],
  ['Z6.0+pooncelock+poonceLock+pombonce', 'Never', 'Never', 'x=1 < P1 reads y < z=1 < z=2 < P2 reads x'],
  ['Z6.0+pooncelock+pooncelock+pombonce', 'Sometimes', 'Never', 'the same chain; SC needs no smp_mb__after_spinlock()'],
  ['Z6.0+pooncerelease+poacquirerelease+mbonceonce', 'Sometimes', 'Never', 'the same chain through release and acquire'],
  ['dep+plain', 'Never', 'Never', 'x=1 needs P1 to read y=1, which needs P0 to read x=1 first: a cycle'],
];

// tso: each answer follows from x86-TSO's rules above. Every LKMM `Never` is `Never` here too, x86
// being one of the architectures LKMM allows; stores are seen by all other CPUs at once
// (multi-copy atomic) and in order, loads stay in order, and a load never passes a store to the
// same location of its own CPU, so of the cycles above only those that need a store to pass a
// later load of another location (SB, R) are `Sometimes`.
const tsoAnswers: readonly (readonly [file: string, tso: 'Sometimes' | 'Never', why: string])[] = [
  ['CoRR+poonceonce+Once', 'Never', 'coherence: loads in order, the store seen by all at once'],
  ['CoRW+poonceonce+Once', 'Never', 'r0=2 means x=2 reached memory before P0\'s load, before P0\'s x=1 was even buffered: x ends 1'],
  ['CoWR+poonceonce+Once', 'Never', 'P0 reads its own x=1 from the buffer or memory unless x=2 overwrote it there, after x=1: x then ends 2'],
  ['CoWW+poonceonce', 'Never', 'one buffer, first in first out: 2 is last'],
  ['LB+ctrlonceonce+mbonceonce', 'Never', 'a load is never reordered with a later store'],
  ['LB+poacquireonce+pooncerelease', 'Never', 'a load is never reordered with a later store'],
  ['LB+poonceonces', 'Never', 'a load is never reordered with a later store: each store leaves its buffer after the load before it'],
  ['MP+onceassign+derefonce', 'Never', 'P0\'s stores leave its buffer in order, P1\'s loads stay in order'],
  ['MP+polockmbonce+poacquiresilsil', 'Never', 'x=1 leaves P0\'s buffer before the unlock, and the lock was taken before both'],
  ['MP+polockonce+poacquiresilsil', 'Never', 'the same: x86 needs no smp_mb__after_spinlock() here'],
  ['MP+poonceonces', 'Never', 'stores leave the buffer in order and loads stay in order'],
  ['MP+pooncerelease+poacquireonce', 'Never', 'message passing'],
  ['MP+unlocklockonceonce+fencermbonceonce', 'Never', 'message passing: x=1 leaves P0\'s buffer before y=1'],
  ['MP+wmbonceonce+rmbonceonce', 'Never', 'message passing, barriers or not'],
  ['R+poonceonces', 'Sometimes', 'P1\'s y=2 waits in its buffer while its load of x reads 0 and P0\'s stores reach memory; y=2 lands last'],
  ['S+poonceonces', 'Never', 'r0=1 means x=2 is in memory (stores in order) before P1\'s load, before P1\'s x=1 is buffered: x ends 1'],
  ['S+wmbonceonce+poacquireonce', 'Never', 'the same'],
  ['SB+mbonceonces', 'Never', 'smp_mb() waits for each buffer to drain before the load'],
  ['SB+poonceonces', 'Sometimes', 'store buffering: each store waits in its buffer while the load after it reads memory'],
  ['SB+rfionceonce-poonceonces', 'Sometimes', 'the same: each process reads its own store back from its buffer'],
  ['WRC+poonceonces+Once', 'Never', 'x86 is multi-copy atomic: a store reaches every other CPU at once, so P2 cannot see y=1 and then x still 0'],
  ['WRC+pooncerelease+rmbonceonce+Once', 'Never', 'the same'],
  ['IRIW+mbonceonces+OnceOnce', 'Never', 'multi-copy atomic: both readers see the two writes in the one order memory took them'],
  ['IRIW+poonceonces+OnceOnce', 'Never', 'the same: loads stay in order on x86, no barrier needed'],
  ['ISA2+poonceonces', 'Never', 'stores leave each buffer in order, loads stay in order, and stores reach all CPUs at once'],
  ['ISA2+pooncerelease+poacquirerelease+poacquireonce', 'Never', 'the same chain'],
  ['ISA2+pooncelock+pooncelock+pombonce', 'Never', 'the same chain, the locks draining the buffers'],
  ['R+mbonceonces', 'Never', 'smp_mb() drains y=2 from P1\'s buffer before its load of x'],
  ['Z6.0+pooncelock+poonceLock+pombonce', 'Never', 'the locked operations drain each buffer, and smp_mb() drains z=2 before the load of x'],
  ['Z6.0+pooncelock+pooncelock+pombonce', 'Never', 'the same: x86 needs no smp_mb__after_spinlock() here'],
  ['Z6.0+pooncerelease+poacquirerelease+mbonceonce', 'Never', 'the same chain through release and acquire, smp_mb() draining z=2'],
  ['LB+unlocklockonceonce+poacquireonce', 'Never', 'no load on x86 is passed by a later store'],
  ['MP+polocks', 'Never', 'message passing with locks'],
  ['MP+porevlocks', 'Never', 'message passing with locks'],
  ['dep+plain', 'Never', 'no store passes a load on x86'],
];

// relaxed: the machine's 'relaxed' model (@kmodsim/cpu's relaxed-views.ts) is x86-TSO's store
// buffers plus loads that may read an older value than memory holds (a stale copy), until a read
// barrier, an acquire or a full barrier drops the copy (or cpu_relax(), the one the spin_lock()
// loop reads), and a read barrier drops only
// what the stores the CPU read carried in their views (their writers' barriers). So it shows what
// TSO shows and reordered loads besides; it is stronger than LKMM in three ways, each behind one
// of the `Never`s below that LKMM answers `Sometimes`: a CPU's stores become visible in order, no
// load waits for a later store (no load buffering), and a spin lock's exchange is fully ordered;
// a locked read-modify-write, even an unordered one, finds its CPU's earlier stores visible.
const relaxedAnswers: readonly (readonly [file: string, relaxed: 'Sometimes' | 'Never', why: string])[] = [
  ['CoRR+poonceonce+Once', 'Never', 'a load of memory\'s value drops the stale copy: later loads are never older'],
  ['CoRW+poonceonce+Once', 'Never', 'as under tso: r0=2 puts x=2 in memory before P0 buffers x=1'],
  ['CoWR+poonceonce+Once', 'Never', 'a CPU reads its own buffered store before any copy'],
  ['CoWW+poonceonce', 'Never', 'one buffer, first in first out'],
  ['IRIW+mbonceonces+OnceOnce', 'Never', 'smp_mb() drops each reader\'s stale copies: its second load reads memory, which took one order'],
  ['IRIW+poonceonces+OnceOnce', 'Sometimes', 'each reader reads its second location from a stale copy'],
  ['ISA2+pooncelock+pooncelock+pombonce', 'Never', 'the locked exchanges are full barriers, and smp_mb() drops P2\'s stale copy of x'],
  ['ISA2+poonceonces', 'Sometimes', 'P2 reads x from a stale copy after reading z=1'],
  ['ISA2+pooncerelease+poacquirerelease+poacquireonce', 'Never', 'each release carries what came before it, each acquire drops the copies that covers'],
  ['LB+ctrlonceonce+mbonceonce', 'Never', 'no load waits for a later store'],
  ['LB+poacquireonce+pooncerelease', 'Never', 'no load waits for a later store'],
  ['LB+poonceonces', 'Never', 'stronger than LKMM: no load waits for a later store of its CPU (load buffering is not modelled)'],
  ['LB+unlocklockonceonce+poacquireonce', 'Never', 'no load waits for a later store'],
  ['MP+onceassign+derefonce', 'Never', 'the load through the pointer read is dependency-ordered: the pointer\'s release made x=1 required'],
  ['MP+polockmbonce+poacquiresilsil', 'Never', 'the unlock is a release carrying x=1; the lock\'s exchange is a full barrier'],
  ['MP+polockonce+poacquiresilsil', 'Never', 'stronger than LKMM: the lock\'s exchange is a full barrier, needing no smp_mb__after_spinlock()'],
  ['MP+polocks', 'Never', 'the unlock releases flag=1 after buf=1; the consumer\'s lock is a full barrier'],
  ['MP+poonceonces', 'Sometimes', 'P1 reads flag=1 from memory and buf from a stale copy'],
  ['MP+pooncerelease+poacquireonce', 'Never', 'the release carries buf=1, the acquire drops the stale copy it covers'],
  ['MP+porevlocks', 'Never', 'message passing through the lock\'s release and full barrier'],
  ['MP+unlocklockonceonce+fencermbonceonce', 'Never', 'the unlock carries x=1; smp_rmb() drops the stale copy'],
  ['MP+wmbonceonce+rmbonceonce', 'Never', 'smp_wmb() puts x=1 in the view y=1 carries; smp_rmb() drops the stale copy of x'],
  ['R+mbonceonces', 'Never', 'smp_mb() drains P1\'s buffer and drops its stale copies before its load of x'],
  ['R+poonceonces', 'Sometimes', 'as under tso: y=2 waits in P1\'s buffer'],
  ['S+poonceonces', 'Never', 'stronger than LKMM: P0\'s stores become visible in order'],
  ['S+wmbonceonce+poacquireonce', 'Never', 'P0\'s stores become visible in order'],
  ['SB+mbonceonces', 'Never', 'smp_mb() drains the buffer and drops the stale copies before each load'],
  ['SB+poonceonces', 'Sometimes', 'as under tso'],
  ['SB+rfionceonce-poonceonces', 'Sometimes', 'as under tso'],
  ['WRC+poonceonces+Once', 'Sometimes', 'P2 reads y=1 from memory and x from a stale copy: no store reaches every CPU at once'],
  ['WRC+pooncerelease+rmbonceonce+Once', 'Never', 'P1\'s release carries the x=1 it read; P2\'s smp_rmb() drops its stale copy of x'],
  ['Z6.0+pooncelock+poonceLock+pombonce', 'Never', 'the lock\'s exchanges are full barriers; smp_mb() drains z=2 and drops P2\'s stale copies'],
  ['Z6.0+pooncelock+pooncelock+pombonce', 'Never', 'stronger than LKMM: the lock\'s exchanges are full barriers'],
  ['Z6.0+pooncerelease+poacquirerelease+mbonceonce', 'Never', 'stronger than LKMM: stores become visible in order, and smp_mb() drains z=2 before the load of x'],
  ['dep+plain', 'Never', 'no load waits for a later store'],
];

describe('the kernel\'s litmus tests under sc', () => {
  test('at least 30 of them, each the file\'s own Result: line as LKMM\'s answer', () => {
    expect(kernelTests.length).toBeGreaterThanOrEqual(30);
    for (const [file, lkmm] of kernelTests) expect(read(file)).toContain(`Result: ${lkmm}`);
  });

  test.each(kernelTests)('%s: LKMM %s, sc %s (%s)', (file, _lkmm, sc) => {
    const run = runLitmus(read(file), { model: 'sc' });
    if (!run.ok) throw new Error(run.error.message);
    expect(run.value.answer).toBe(sc);
    expect(run.value.counts.exhausted).toBe(true);
    expect(run.value.counts.executions).toBeGreaterThan(0);
  });
});

describe('the kernel\'s litmus tests under tso', () => {
  test('every vendored test is in the tso table', () => {
    expect(tsoAnswers.map(([file]) => file).sort()).toEqual(kernelTests.map(([file]) => file).sort());
  });

  test('an LKMM Never is a tso Never', () => {
    const lkmm = new Map(kernelTests.map(([file, answer]) => [file, answer]));
    for (const [file, tso] of tsoAnswers) if (lkmm.get(file) === 'Never') expect(tso, file).toBe('Never');
  });

  test.each(tsoAnswers)('%s: tso %s (%s)', (file, tso) => {
    const run = runLitmus(read(file), { model: 'tso' });
    if (!run.ok) throw new Error(run.error.message);
    expect(run.value.answer).toBe(tso);
    if (tso === 'Never') expect(run.value.counts.exhausted).toBe(true);
  });
});

describe('the kernel\'s litmus tests under relaxed', () => {
  test('every vendored test is in the relaxed table', () => {
    expect(relaxedAnswers.map(([file]) => file).sort()).toEqual(kernelTests.map(([file]) => file).sort());
  });

  test('an LKMM Never is a relaxed Never, and relaxed shows everything tso shows', () => {
    const lkmm = new Map(kernelTests.map(([file, answer]) => [file, answer]));
    const tso = new Map(tsoAnswers.map(([file, answer]) => [file, answer]));
    for (const [file, relaxed] of relaxedAnswers) {
      if (lkmm.get(file) === 'Never') expect(relaxed, file).toBe('Never');
      if (tso.get(file) === 'Sometimes') expect(relaxed, file).toBe('Sometimes');
    }
  });

  test.each(relaxedAnswers)('%s: relaxed %s (%s)', (file, relaxed) => {
    const run = runLitmus(read(file), { model: 'relaxed' });
    if (!run.ok) throw new Error(run.error.message);
    expect(run.value.answer).toBe(relaxed);
    if (relaxed === 'Never') expect(run.value.counts.exhausted).toBe(true);
  });
});
