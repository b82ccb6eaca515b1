import { OpCode, RmwKind, type Operation, type RmwOp } from '../ops.js';
import type { Memory } from '../memory.js';

// How each operation reads in a trace. Only called when tracing is on.

/** `tso`: plain stores wait in the CPU's store buffer, and the trace says so (their `store_visible` comes later). */
export function describeOperation(op: Operation, result: number, memory: Memory, tso: boolean): { name: string; detail: string } {
  switch (op.code) {
    case OpCode.Load:
      return { name: 'load', detail: `${memory.describe(op.cell)} -> ${result} (${memory.lastSource})` };
    case OpCode.Store:
      return { name: 'store', detail: `${memory.describe(op.cell)} = ${op.value} (${memory.lastSource})${tso ? ', buffered' : ''}` };
    case OpCode.Rmw:
      return describeRmw(op, memory.describe(op.cell), result, memory.lastSource);
    case OpCode.IrqDisable:
      return { name: 'local_irq_disable', detail: '' };
    case OpCode.IrqEnable:
      return { name: 'local_irq_enable', detail: '' };
    case OpCode.IrqSave:
      return { name: 'local_irq_save', detail: `flags=${result}` };
    case OpCode.IrqRestore:
      return { name: 'local_irq_restore', detail: `flags=${op.flags}` };
    case OpCode.PreemptDisable:
      return { name: 'preempt_disable', detail: '' };
    case OpCode.PreemptEnable:
      return { name: 'preempt_enable', detail: '' };
    case OpCode.SetState:
      return { name: op.ordered ? 'set_current_state' : '__set_current_state', detail: op.state };
    case OpCode.Schedule:
      return { name: 'schedule', detail: '' };
    case OpCode.ScheduleTimeout:
      return { name: 'schedule_timeout', detail: `timeout=${op.timeoutCycles}` };
    case OpCode.Wake:
      return { name: 'wake_up_process', detail: `pid=${op.pid} woken=${result}` };
    case OpCode.CpuRelax:
      return { name: 'cpu_relax', detail: '' };
    case OpCode.Work:
      return { name: op.what, detail: `${op.cycles} cycles` };
    case OpCode.Alloc:
      return { name: 'kmalloc', detail: `${op.name} cells=${op.cells} -> 0x${result.toString(16)}` };
    case OpCode.Free:
      return { name: 'kfree', detail: memory.objectAt(op.address)?.name ?? `0x${op.address.toString(16)}` };
    case OpCode.EnterCode:
      return { name: 'call', detail: `${op.what} in ${memory.objectAt(op.address)?.name ?? '?'}` };
    case OpCode.ExitCode:
      return { name: 'return', detail: '' };
    case OpCode.SendIpi:
      return { name: 'ipi_send_cpu', detail: `cpu=${op.cpu} callback=${op.name}` };
    case OpCode.Spawn:
      return { name: 'sched_process_fork', detail: `comm=${op.spec.name} child_pid=${result}` };
    case OpCode.Check:
      return { name: 'check', detail: op.ok ? 'ok' : `FAILED: ${op.message}` };
    case OpCode.Note:
      return { name: 'note', detail: op.text };
    case OpCode.Exit:
      return { name: 'do_exit', detail: '' };
    case OpCode.SetAffinity:
      return { name: 'set_cpus_allowed', detail: op.cpu < 0 ? 'any' : `cpu=${op.cpu}` };
    case OpCode.Rest:
      return { name: 'rest', detail: '' };
    case OpCode.Fence:
      return { name: `smp_${op.kind}`, detail: '' };
    case OpCode.LoadAcquire:
      return { name: 'smp_load_acquire', detail: `${memory.describe(op.cell)} -> ${result} (${memory.lastSource})` };
    case OpCode.StoreRelease:
      return { name: 'smp_store_release', detail: `${memory.describe(op.cell)} = ${op.value} (${memory.lastSource})${tso ? ', buffered' : ''}` };
  }
}

function describeRmw(op: RmwOp, cell: string, result: number, source: string): { name: string; detail: string } {
  // The kernel's names: the _relaxed, _acquire and _release forms say how the instruction orders.
  const form = op.order === 'full' ? '' : `_${op.order}`;
  const { operand, expected } = op;
  switch (op.kind) {
    case RmwKind.Add:
      return { name: op.locked ? `atomic_add_return${form}` : 'local_add', detail: `${cell} += ${operand} -> ${result} (${source})` };
    case RmwKind.Xchg:
      return { name: `xchg${form}`, detail: `${cell} = ${operand}, old ${result} (${source})` };
    case RmwKind.Cmpxchg:
      return { name: `cmpxchg${form}`, detail: `${cell} ${expected} -> ${operand}, old ${result}${result === expected ? '' : ' (failed)'} (${source})` };
  }
}
