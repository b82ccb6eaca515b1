// Some tests compare with real peers and data that are not committed: kmod's tools, GNU ld and a
// Debian kernel tree (scripts/fetch-kernel-tree.sh downloads it). On a developer's machine
// without them those tests skip; in CI (.ci/run sets KMODSIM_REQUIRE_REAL_DATA=1) a missing
// piece is an error, so a comparison can never pass by being skipped.

/** Whether to skip for lack of `what`; throws instead when real data is required. */
export function skipWithout(what, available) {
  if (available) return false;
  if (process.env.KMODSIM_REQUIRE_REAL_DATA === '1') {
    throw new Error(`missing: ${what} (required when KMODSIM_REQUIRE_REAL_DATA=1, as in CI)`);
  }
  return true;
}
