export { EXPLORE_DEFAULTS, explore, mergeReports, shortestFirst, type ExploreOptions, type ExploreReport, type SearchMode } from './explore.js';
export type { BootedAfresh } from './starts.js';
export type { Bounds, Outcome, Violation } from './execution.js';
export { CheckpointError, NondeterminismError, ScenarioSetupError, SearchError } from './search-errors.js';
export type { SearchCounts, SearchProgress } from './tally.js';
export type { ExploreTarget } from './target.js';
export { describeViolation, formatColumns, replay, type ReplayResult, type ViolationReport } from './describe.js';
export { dependent, footprintOf, type Footprint } from './footprint.js';
export type { Subtree, SubtreeStep, WorkSplitter } from './work-split.js';
