import { moduleAddressVersusUnload } from './catalogue/address-lookup.js';
import { completionLastPutVersusFailedInit, completionLastPutVersusWait, lockedCloseVersusFailedInit, lockedCloseVersusWait, moduleGetDuringFailedInit, receiveInterruptVersusWait, transferCompletionVersusFailedInit, transferCompletionVersusWait } from './catalogue/completions.js';
import { waitForUsers } from './catalogue/demonstrations.js';
import { forcedUnload, forcedWhileInUse } from './catalogue/forced.js';
import { failingInit, failingInitWithUser, liveDuringInit, notifiersDuringInit } from './catalogue/init.js';
import { irqGetPut, irqGetWorkerPut } from './catalogue/interrupts.js';
import { putTooMany, putTooManyWhileWaiting, putsPastZero } from './catalogue/misuse.js';
import { acceptDuringWait, moduleGetDuringWait, moduleGetVersusClose } from './catalogue/module-get.js';
import { refusedLoadWhileNeededGoes } from './catalogue/refused-load.js';
import { irqUserVersusUnload, irqUserVersusWait, refusedUnloadThenOpen, refusedUnloadThenReuse } from './catalogue/reuse.js';
import { miscOpenVersusUnload, reschedulingReaderVersusUnload, unloadVersusGet, unloadVersusUse } from './catalogue/unload.js';
import { migratedPut, openDuringForcedWait, realtimeForcedWaitOnOneCpu, realtimeWaitOnOneCpu, refusedOpenWhileWaiting, waitVersusLastPut } from './catalogue/waiting.js';
import type { CatalogueScenario, SuiteScenario } from './scenario.js';

/**
 * Every scenario kmodsim has, under the one set of names that `kmodsim scenario`,
 * `kmodsim-compare check` and `kmodsim-compare scenarios` use. The checked ones come first, in
 * the order a check prints them.
 */
export const catalogue: readonly CatalogueScenario[] = [
  unloadVersusGet,
  miscOpenVersusUnload,
  reschedulingReaderVersusUnload,
  refusedUnloadThenReuse,
  refusedUnloadThenOpen,
  irqUserVersusUnload,
  irqGetPut,
  irqGetWorkerPut,
  waitVersusLastPut,
  refusedOpenWhileWaiting,
  openDuringForcedWait,
  realtimeWaitOnOneCpu,
  realtimeForcedWaitOnOneCpu,
  migratedPut,
  moduleGetDuringWait,
  moduleGetVersusClose,
  acceptDuringWait,
  irqUserVersusWait,
  transferCompletionVersusWait,
  lockedCloseVersusWait,
  completionLastPutVersusWait,
  receiveInterruptVersusWait,
  moduleAddressVersusUnload,
  putTooMany,
  putsPastZero,
  putTooManyWhileWaiting,
  forcedWhileInUse,
  notifiersDuringInit,
  failingInit,
  failingInitWithUser,
  lockedCloseVersusFailedInit,
  transferCompletionVersusFailedInit,
  completionLastPutVersusFailedInit,
  moduleGetDuringFailedInit,
  refusedLoadWhileNeededGoes,
  waitForUsers,
  unloadVersusUse,
  forcedUnload,
  liveDuringInit,
];

function isChecked(scenario: CatalogueScenario): scenario is SuiteScenario {
  return scenario.kind === 'checked';
}

/** The scenarios `kmodsim-compare check` searches. */
export const suite: readonly SuiteScenario[] = catalogue.filter(isChecked);

export function findScenario(name: string): CatalogueScenario | undefined {
  return catalogue.find((entry) => entry.name === name);
}

export function findSuiteScenario(name: string): SuiteScenario | undefined {
  return suite.find((entry) => entry.name === name);
}

export function scenarioNames(): string[] {
  return catalogue.map((entry) => entry.name);
}
