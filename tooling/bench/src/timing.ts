/** Calls `body` until at least `minSeconds` of wall time have passed: how many calls, in how long. */
export function timeCalls(body: () => void, minSeconds: number): { readonly calls: number; readonly seconds: number } {
  let calls = 0;
  const start = process.hrtime.bigint();
  let seconds: number;
  do {
    body();
    calls++;
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
  } while (seconds < minSeconds);
  return { calls, seconds };
}
