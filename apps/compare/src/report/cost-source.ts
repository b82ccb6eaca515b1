import type { CompareIo } from '../io.js';
import type { CostReport } from '../cost/cost-report.js';
import type { CostRequest } from '../cost/options.js';

/**
 * Where the report's prices come from. `prepare` reads cost's options, so that a wrong one is a
 * usage error before any search starts, and returns what prices the strategies (the report calls
 * it before its searches, so a source that prices on another thread works beside them).
 */
export interface CostSource {
  prepare(request: CostRequest, io: CompareIo): Promise<() => Promise<CostReport>>;
}
