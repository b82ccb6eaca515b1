export { catalogue, findScenario, findSuiteScenario, scenarioNames, suite } from './catalogue.js';
export { DEFAULT_BOUNDS, defineScenario, scenarioMismatch, type CatalogueScenario, type ScenarioBody, type ScenarioBounds, type ScenarioSettings, type SuiteScenario } from './scenario.js';
export {
  CALLER_CONTEXTS, CONTRACT_METHODS, KNOWN_GAPS, UNLOAD_PHASES, cell, cellKey, reachableCells, unreachableBecause,
  type CallerContext, type ContractCell, type ContractMethod, type UnloadPhase,
} from './contract.js';
export { recordingStrategy, type ContractObservation } from './contract-table/recorder.js';
export { coverageTable } from './contract-table/table.js';
export { bootDemoKernel, type DemoKernelOptions } from './demo/boot.js';
export { demoKernelSymbols, demoModuleLoads } from './demo/loads.js';
export { declarationProblems, expectationOf, type Expectation } from './expectation.js';
export { COST_MODULE, bootCostMachine, type CostFailure, type CostMachine, type CostMachineOptions, type CostResult } from './costs/cost-machine.js';
export { getPutCost, type GetPutCost, type GetPutOptions } from './costs/get-put.js';
export { unloadCost, type UnloadCost } from './costs/unload.js';
export { WAIT_RELEASE_USERS, waitReleaseCost, type WaitReleaseCost } from './costs/wait-release.js';
export { MODULES_IN_TREE, refcountMemory, type RefcountMemory } from './costs/memory.js';
