import { explore, type ExploreOptions, type ExploreReport, type ExploreTarget, type Subtree } from '@kmodsim/explore';

// What the differential tests share: a report's endings (each random program's check reports its
// final state, so every execution is a "violation" whose message names how it ended), and a
// search split into parts as eagerly as work stealing can split it.

export function endings(report: ExploreReport): string[] {
  return [...new Set(report.violations.map((violation) => `${violation.kind}: ${violation.message}`))].sort();
}

/** A search whose every part gives a subtree away at every `every`-th execution; the parts' reports. */
export function searchInParts(target: ExploreTarget, options: ExploreOptions, every: number, cap = Infinity): ExploreReport[] {
  const queue: Subtree[] = [];
  let asked = 0;
  let executions = 0;
  const taken = new Set<string>();
  const splitter = {
    claim: () => ++asked % every === 0,
    release: () => undefined,
    give: (subtree: Subtree) => { queue.push(subtree); },
    claimExecution: () => ++executions <= cap,
    stopped: () => executions >= cap,
    take: (hash: number, hash2: number, key: number) => !taken.has(`${hash} ${hash2} ${key}`) && taken.add(`${hash} ${hash2} ${key}`).size > 0,
  };
  const reports = [explore(target, { ...options, splitter })];
  for (let subtree = queue.shift(); subtree !== undefined; subtree = queue.shift()) reports.push(explore(target, { ...options, splitter, subtree }));
  return reports;
}
