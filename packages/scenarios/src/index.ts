export { catalogue, findScenario, findSuiteScenario, scenarioNames, suite } from './catalogue.js';
export { DEFAULT_BOUNDS, defineScenario, scenarioMismatch, type CatalogueScenario, type ScenarioBody, type ScenarioBounds, type ScenarioSettings, type SuiteScenario } from './scenario.js';
export {
  CALLER_CONTEXTS, CONTRACT_METHODS, KNOWN_GAPS, UNLOAD_PHASES, cell, cellKey, reachableCells, unreachableBecause,
  type CallerContext, type ContractCell, type ContractMethod, type UnloadPhase,
} from './contract.js';
export { recordingStrategy, type ContractObservation } from './contract-table/recorder.js';
export { coverageTable } from './contract-table/table.js';
export { bootDemoKernel, type DemoKernelOptions } from './demo/boot.js';
export { demoBehaviours } from './demo/behaviours.js';
export { demoKernelSymbols, demoModuleLoads } from './demo/loads.js';
export { declarationProblems, expectationOf, type Expectation } from './expectation.js';
