import { OpCode, type IrqDisableOp, type IrqEnableOp, type IrqRestoreOp, type IrqSaveOp } from '../ops.js';
import { Task, type Frame } from '../task.js';
import type { MachineCore } from './core.js';
import { raise } from './faults.js';

// Operations on the running frame itself rather than on memory, for the interpreter
// (interpreter.ts): interrupt control, and entering and leaving module code. What the kernel
// would oops on (a handler that enables interrupts, a call into freed code) raises a fault.

export function irqOperation(core: MachineCore, cpu: number, frame: Frame, op: IrqDisableOp | IrqEnableOp | IrqSaveOp | IrqRestoreOp): number {
  if (!(frame instanceof Task)) {
    // Handlers run with interrupts off; saving and restoring "off" is fine, enabling is not.
    if (op.code === OpCode.IrqEnable || (op.code === OpCode.IrqRestore && op.flags !== 0)) {
      raise(core, 'invalid-op', 'interrupt handler enabled interrupts', cpu, frame);
    }
    return 0;
  }
  const wasEnabled = frame.irqsOff ? 0 : 1;
  switch (op.code) {
    case OpCode.IrqDisable:
    case OpCode.IrqSave:
      frame.irqsOff = true;
      break;
    case OpCode.IrqEnable:
      frame.irqsOff = false;
      break;
    case OpCode.IrqRestore:
      frame.irqsOff = op.flags === 0;
      break;
  }
  return wasEnabled;
}

export function enterCode(core: MachineCore, cpu: number, frame: Frame, address: number, what: string): boolean {
  const memory = core.memory;
  const objectId = memory.objectIdAt(address);
  const object = memory.objectAt(address);
  if (objectId < 0 || object === undefined) {
    raise(core, 'invalid-access', `call to ${what} at address ${String(address)}, which no allocation holds`, cpu, frame);
    return false;
  }
  if (memory.isFreed(objectId)) {
    raise(core, 'call-into-freed-code', `call to ${what} in ${object.name}, which has been freed`, cpu, frame);
    return false;
  }
  frame.pushCode(objectId, `${what} in ${object.name}`);
  return true;
}

export function exitCode(core: MachineCore, cpu: number, frame: Frame): boolean {
  if (frame.codeStack.length === 0) {
    raise(core, 'invalid-op', 'return from code that was never entered', cpu, frame);
    return false;
  }
  frame.popCode();
  return true;
}
