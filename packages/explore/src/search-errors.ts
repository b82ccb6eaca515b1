// Why a search stopped without a verdict: the scenario or strategy under search misbehaved (a
// user's own strategy can), as opposed to a bug in the explorer, which throws plain errors.

/** A search that cannot go on for a reason of the scenario or strategy searched. */
export class SearchError extends Error {}

/** The scenario or strategy does not do the same thing when given the same choices. */
export class NondeterminismError extends SearchError {}

/** The scenario's setup (booting, loading modules, the strategy's own setup code) failed, so no execution can start. */
export class ScenarioSetupError extends SearchError {}
