// Why a search stopped without a verdict: the scenario or strategy under search misbehaved (a
// user's own strategy can), as opposed to a bug in the explorer, which throws plain errors.

/** A search that cannot go on for a reason of the scenario or strategy searched. */
export class SearchError extends Error {}

/** The scenario or strategy does not do the same thing when given the same choices. */
export class NondeterminismError extends SearchError {
  /** Where the run stopped fitting, without the message's guess at why. */
  readonly where: string;

  constructor(message: string, where = message) {
    super(message);
    this.where = where;
  }
}

/**
 * A run from the checkpoint after setup differed from one booted afresh: the strategy or the
 * scenario keeps state the machine was not handed. explore() then searches again booting every
 * execution afresh, and says so in its report.
 */
export class CheckpointError extends NondeterminismError {}

/** The scenario's setup (booting, loading modules, the strategy's own setup code) failed, so no execution can start. */
export class ScenarioSetupError extends SearchError {}
