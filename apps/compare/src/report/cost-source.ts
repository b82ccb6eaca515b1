import type { CompareIo } from '../io.js';
import type { CostReport } from '../cost/cost-report.js';
import type { CostRequest } from './options.js';

/**
 * Where the report's prices come from. `prepare` reads cost's options, so that a wrong one is a
 * usage error before any search starts, and returns what prices the strategies.
 */
export interface CostSource {
  prepare(request: CostRequest, io: CompareIo): Promise<() => Promise<CostReport>>;
}

/** What prices the report when no other source is given: none yet (kmodsim-compare cost is being built). */
export const defaultCostSource: CostSource | undefined = undefined;
