export { createStopMachine, type StopMachineOptions } from './create.js';
export {
  STOP_MACHINE_VARIANTS, isStopMachineVariant, type StopFn, type StopMachine, type StopMachineVariant, type StopRound,
} from './stop-machine.js';
