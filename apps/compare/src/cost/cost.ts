import { profiles, type ProfileName } from '@kmodsim/cpu';
import { strategyNames, type RefcountStrategy } from '@kmodsim/refcount';
import { MODULES_IN_TREE, type CostResult } from '@kmodsim/scenarios';
import type { CompareIo } from '../io.js';
import { loadStrategy } from '../check/load-strategy.js';
import type { CostReport, StrategyCost } from './cost-report.js';
import { COST_USAGE, parseCostOptions, readCpuCounts, readProfile, type CostRequest } from './options.js';
import { priceSize, strategyCost, type SizePrices } from './price.js';
import { formatCostTables } from './table.js';

/** `kmodsim-compare cost`: every strategy priced at every machine size. Thin: the pricing is @kmodsim/scenarios'. */
export async function costCommand(argv: readonly string[], io: CompareIo): Promise<number> {
  const parsed = parseCostOptions(argv);
  if (parsed === 'help') {
    io.stdout.write(COST_USAGE);
    return 0;
  }
  const price = await prepareCost(parsed.request, io);
  const report = await price();
  io.stdout.write(parsed.json ? `${JSON.stringify(report)}\n` : formatCostTables(report));
  return report.strategies.every((strategy) => strategy.ok) ? 0 : 1;
}

/** What a pricing needs besides the strategies. */
interface Plan {
  readonly cpuCounts: readonly number[];
  readonly profile: ProfileName;
  /** On a terminal: which strategy is being priced, then '' at the end. */
  readonly progress: ((text: string) => void) | undefined;
}

/**
 * Reads and checks what is to be priced (a bad --cpus, --profile or strategy is a UsageError
 * now, before anything runs) and returns what prices it. `kmodsim-compare report` prices its
 * strategies through this too, so its charts are cost's figures.
 */
export async function prepareCost(request: CostRequest, io: Pick<CompareIo, 'cwd' | 'stderr' | 'isTty'>): Promise<() => Promise<CostReport>> {
  const plan: Plan = {
    cpuCounts: readCpuCounts(request.cpus),
    profile: readProfile(request.profile),
    progress: io.isTty === true ? (text: string) => io.stderr.write(`\r\x1b[K${text}`) : undefined,
  };
  // A strategy named twice is priced once.
  const specs = request.strategies.length > 0 ? [...new Set(request.strategies)] : strategyNames();
  const strategies: RefcountStrategy[] = [];
  for (const spec of specs) strategies.push(await loadStrategy(spec, io.cwd));
  return () => Promise.resolve(costReport(strategies, plan));
}

/** Prices each strategy in turn, its sizes in ascending order; a size that fails ends its strategy's runs. */
function costReport(strategies: readonly RefcountStrategy[], plan: Plan): CostReport {
  const profile = profiles[plan.profile];
  const priced: StrategyCost[] = strategies.map((strategy, index) => {
    plan.progress?.(`pricing ${strategy.name} (${index + 1} of ${strategies.length})`);
    const runs: { cpus: number; result: CostResult<SizePrices> }[] = [];
    for (const cpus of plan.cpuCounts) {
      const result = priceSize(strategy, { cpuCount: cpus, profile: plan.profile });
      runs.push({ cpus, result });
      if (!result.ok) break;
    }
    return strategyCost(strategy.name, runs, profile.ghz);
  });
  plan.progress?.('');
  return {
    profile: { name: profile.name, description: profile.description, ghz: profile.ghz },
    cpuCounts: [...plan.cpuCounts],
    modulesInTree: MODULES_IN_TREE,
    strategies: priced,
  };
}
