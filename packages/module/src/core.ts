import {
  MUTEX_CELLS, alloc, check, done, enterCode, errnoFromNumber, exitCode, fail, free, mutexAt, mutexFields, mutexLock, mutexUnlock, ok, store,
  type Result, type ExecutionContext, type KernelCode, type Machine, type Mutex,
} from '@kmodsim/cpu';
import { ModuleState, type ModuleCells, type RefcountRuntime, type RefcountStrategy } from '@kmodsim/refcount';
import type { ModuleContext } from './behaviour.js';
import { DeviceTable } from './device-table.js';
import { IrqLines } from './irq-lines.js';
import { prepareImage, type ImageLoadOptions, type KernelImage } from './image-link.js';
import type { ModuleImage } from '@kmodsim/linker';
import { coreHostState } from './core-state.js';
import { recordTape } from './refcount-tape.js';
import { KernelLog } from './kernel-log.js';
import { parseModuleArgs } from './params.js';
import { KernelModule } from './kernel-module.js';
import { checkNoUsers, contractBroken, isModuleRefcount, refcountProblem, stopOutcomeProblem, tryGetProblem } from './strategy-contract.js';
import { isModuleLoad, type ModuleLoad } from './module-load.js';
import { moduleContext, type ModuleServices } from './module-context.js';
import { ModuleList } from './module-list.js';
import { UnsignedModuleTaint } from './module-signing.js';
import { applyLoadTaints, type TaintName } from './taint.js';
import { ModuleAddressTree } from './module-address.js';
import type { Caller, DeleteFlags, ModuleCoreOptions, ModuleEvent, ModuleNotifier } from './core-types.js';

const ROOT: Caller = { capSysModule: true };
const STRUCT_CELLS = 3;
const TEXT_CELLS = 8;

/**
 * The module core: init_module and delete_module as system calls with errno results, run by tasks
 * on the simulated machine. It never knows which refcount design runs: it drives the strategy
 * through the ModuleRefcount interface only.
 */
export class ModuleCore {
  readonly log = new KernelLog();
  readonly taints = new Set<TaintName>();
  readonly forceUnload: boolean;
  readonly strategy: RefcountStrategy;
  private readonly mutex: Mutex;
  private readonly refcounts: RefcountRuntime;
  private readonly moduleList: ModuleList;
  private readonly services: ModuleServices;
  private readonly addressTree: ModuleAddressTree | undefined;
  private readonly notifiers: ModuleNotifier[] = [];
  private readonly irqLines: IrqLines;
  /** Character devices and filesystems that modules register for user space. */
  readonly chardevs: DeviceTable;
  readonly filesystems: DeviceTable;
  private readonly kernel: KernelImage | undefined;
  /** Taints modules that load without a verified signature, with the boot's one notice. */
  private readonly unsignedTaint = new UnsignedModuleTaint();

  constructor(readonly machine: Machine, options: ModuleCoreOptions) {
    this.strategy = options.strategy;
    this.forceUnload = options.forceUnload ?? false;
    this.mutex = mutexAt(machine, 'module_mutex', machine.alloc('module_mutex', MUTEX_CELLS, { lineAligned: true, fields: mutexFields('module_mutex') }).base);
    this.refcounts = options.strategy.attach({ machine, arch: options.arch ?? 'native' });
    this.moduleList = new ModuleList(options.kernelSymbols ?? [], options.kernel);
    this.irqLines = new IrqLines(machine, options.irqLines ?? 0, (self, module, name, argument) => this.call(self, module, name, argument));
    this.kernel = options.kernel;
    // A kernel without CONFIG_MODULE_SIG has no module.sig_enforce to set.
    if (options.kernel?.signing?.enforce === true && !options.kernel.config.moduleSig) {
      throw new Error('module signatures cannot be enforced by a kernel built without CONFIG_MODULE_SIG (config.moduleSig)');
    }
    this.chardevs = new DeviceTable(machine, 'chrdevs');
    this.filesystems = new DeviceTable(machine, 'file_systems');
    this.addressTree = options.rcuModuleList === true ? new ModuleAddressTree(machine) : undefined;
    this.services = { irqLines: this.irqLines, chardevs: this.chardevs, filesystems: this.filesystems, call: (self, module, name, argument) => this.call(self, module, name, argument) };
    // The bookkeeping above is kernel state outside simulated memory: the machine's snapshots keep it.
    const { moduleList, taints, log, notifiers, chardevs, filesystems, irqLines, addressTree, unsignedTaint } = this;
    const codec = { readCell: (address: number) => machine.read(address), behaviours: options.behaviours ?? {}, createRefcount: (self: ExecutionContext, cells: ModuleCells) => this.refcounts.createModule(self, cells) };
    machine.keepHostState(coreHostState({ moduleList, taints, log, notifiers, chardevs, filesystems, irqLines, addressTree, unsignedTaint }, codec));
  }

  // ---- Looking at modules ----

  /** The module of that name that user space can see (not UNFORMED, not freed). */
  find(name: string): KernelModule | undefined {
    return this.moduleList.find(name);
  }

  /** Visible modules, newest first, as the kernel's list and /proc/modules give them. */
  list(): KernelModule[] {
    return this.moduleList.visible().reverse();
  }

  /** Every module of that name ever added, the freed ones too, oldest first (what an unload left behind). */
  history(name: string): KernelModule[] {
    return this.moduleList.modules.filter((module) => module.name === name);
  }

  registerNotifier(notifier: ModuleNotifier): void {
    this.notifiers.push(notifier);
  }

  /**
   * __module_address(): the module whose core holds `address`. The caller holds off preemption
   * until it has taken the reference it wants (try_module_get), which must be refused once the
   * module is going: only a kernel booted with `rcuModuleList` keeps a found module there that long.
   */
  moduleAddress(self: ExecutionContext, address: bigint): KernelCode<KernelModule | undefined> {
    if (this.addressTree === undefined) throw new Error('this kernel was booted without rcuModuleList: it cannot look modules up by address');
    return this.addressTree.lookup(self, address);
  }

  // ---- References, calls ----

  *tryModuleGet(self: ExecutionContext, module: KernelModule): KernelCode<boolean> {
    const got: unknown = yield* this.refcountOf(module).tryGet(self);
    const problem = tryGetProblem(got);
    return problem === undefined ? got === true : yield* contractBroken(this.strategy.name, problem);
  }

  *moduleGet(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    yield* this.refcountOf(module).get(self);
  }

  *modulePut(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    const refcount = this.refcountOf(module);
    yield* refcount.put(self);
    // The true count never goes below zero, since every put follows its get: below zero is a put
    // too many (or a strategy that lost an update), which the kernel would WARN about.
    if (!module.freed && refcount.count() < 0) yield check(false, `module_put: refcount of ${module.name} underflowed to ${refcount.count()}`);
  }

  /** Calls one of the module's functions: executing its text, which must not have been freed. */
  *call(self: ExecutionContext, module: KernelModule, functionName: string, argument = 0): KernelCode<number> {
    const body = module.behaviour.functions?.[functionName];
    yield enterCode(module.memory.textBase, `${module.name}:${functionName}`);
    const result = body === undefined ? 0 : yield* body(this.contextFor(self, module), argument);
    yield exitCode();
    return result;
  }

  // ---- init_module ----

  *initModule(self: ExecutionContext, load: ModuleLoad, args = ''): KernelCode<Result<undefined>> {
    return yield* this.load(self, () => load, args);
  }

  /**
   * init_module(2) with a real module image: the in-kernel linker resolves it against vmlinux
   * and the modules loaded now, relocates it, and refuses what the kernel refuses.
   */
  *insertImage(self: ExecutionContext, image: ModuleImage, options: ImageLoadOptions = {}): KernelCode<Result<undefined>> {
    const kernel = this.kernel;
    if (kernel === undefined) return fail('ENOEXEC', 'this kernel was booted without a symbol table for real module images');
    const print = (line: string): void => { this.print(self, line); };
    return yield* this.load(self, () => prepareImage(image, kernel, options, { moduleList: this.moduleList, unsignedTaint: this.unsignedTaint, print }), options.args ?? '');
  }

  /** load_module: under module_mutex, prepare (or link) the module, then add it and run its init. */
  private *load(self: ExecutionContext, prepare: () => ModuleLoad | Result<undefined>, args: string): KernelCode<Result<undefined>> {
    yield* mutexLock(this.mutex, self);
    const prepared = prepare();
    const refused = isModuleLoad(prepared) ? this.checkLoad(self, prepared) : prepared;
    if (refused !== undefined || !isModuleLoad(prepared)) {
      yield* mutexUnlock(this.mutex, self);
      return refused ?? done;
    }
    const load = prepared;
    const module = yield* this.addUnformed(self, load);
    const linked = yield* this.referenceOwners(self, module);
    if (!linked.ok) {
      yield* this.freeModule(self, module);
      yield* mutexUnlock(this.mutex, self);
      return linked;
    }
    applyLoadTaints(module, this.taints, (line) => { this.print(self, line); });
    yield store(module.cells.state, ModuleState.COMING);
    yield* this.notify(self, 'COMING', module);
    // Like the kernel, drop the lock while init runs: init may load other modules.
    yield* mutexUnlock(this.mutex, self);
    // As load_module: the parameters are set once the module is COMING, before its init runs.
    const parsed = parseModuleArgs(module.name, args, module.load.params ?? []);
    for (const line of parsed.log) this.print(self, line);
    if (parsed.errno !== undefined) {
      yield* this.unwindComing(self, module);
      return fail(parsed.errno, `${module.name}: invalid parameters`);
    }
    const initResult = yield* this.runInit(self, module);
    if (initResult !== 0) return yield* this.failInit(self, module, initResult);
    // As 2.6.0's sys_init_module: LIVE and the loader's reference dropped under module_mutex, so no
    // unload sees a live module still holding it. Plain stores, no barrier, in Linux too: users find
    // the module through what its init registered, ordered by that registration's own locks.
    yield* mutexLock(this.mutex, self);
    yield store(module.cells.state, ModuleState.LIVE);
    yield store(module.cells.live, 1);
    yield* this.modulePut(self, module);
    yield* this.dropInit(module);
    yield* this.notify(self, 'LIVE', module);
    yield* mutexUnlock(this.mutex, self);
    this.print(self, `${module.name}: module loaded`);
    return done;
  }

  private checkLoad(self: ExecutionContext, load: ModuleLoad): Result<undefined> | undefined {
    const duplicate = this.moduleList.duplicateOf(load.name);
    if (duplicate !== undefined) return duplicate;
    for (const symbol of load.imports) {
      if (this.moduleList.resolve(symbol, load.license) === undefined) {
        this.print(self, `${load.name}: Unknown symbol ${symbol} (err -2)`);
        return fail('ENOENT', `Unknown symbol ${symbol} (err -2)`);
      }
    }
    return undefined;
  }

  private *addUnformed(self: ExecutionContext, load: ModuleLoad): KernelCode<KernelModule> {
    const structBase = yield alloc(`${load.name}: struct module`, STRUCT_CELLS, { lineAligned: true, fields: ['state', 'live', 'waiter'].map((field) => `${load.name}.${field}`) });
    const textBase = yield alloc(`${load.name}.ko .text`, TEXT_CELLS, { kind: 'code', lineAligned: true });
    const initTextBase = load.hasInit ? yield alloc(`${load.name}.ko .init.text`, TEXT_CELLS, { kind: 'code', lineAligned: true }) : undefined;
    const cells: ModuleCells = { name: load.name, state: structBase, live: structBase + 1, waiter: structBase + 2 };
    yield store(cells.state, ModuleState.UNFORMED);
    const module = new KernelModule(load, cells, { structBase, textBase, initTextBase }, this.moduleList.takeAddress(load), (address) => this.machine.read(address));
    this.moduleList.modules.push(module);
    if (this.addressTree !== undefined) yield* this.addressTree.link(module);
    const refcount: unknown = yield* recordTape(this.refcounts.createModule(self, cells), self, module.refcountTape);
    if (!isModuleRefcount(refcount)) return yield* contractBroken(this.strategy.name, refcountProblem(refcount) ?? '');
    module.refcount = refcount;
    return module;
  }

  /** ref_module: each module whose symbols this one uses gets a reference and a holder. */
  private *referenceOwners(self: ExecutionContext, module: KernelModule): KernelCode<Result<undefined>> {
    for (const symbol of module.load.imports) {
      const owner = this.moduleList.resolve(symbol, module.load.license)?.owner;
      if (owner === undefined) continue;
      module.linkedCalls.set(symbol, owner);
      if (module.uses.has(owner)) continue;
      if (!(yield* this.tryModuleGet(self, owner))) {
        return fail('EBUSY', `module ${owner.name}, which ${module.name} needs, is going away`);
      }
      module.uses.add(owner);
      owner.usedBy.add(module);
    }
    return done;
  }

  private *runInit(self: ExecutionContext, module: KernelModule): KernelCode<number> {
    const init = module.behaviour.init;
    if (!module.load.hasInit || init === undefined || module.memory.initTextBase === undefined) return 0;
    yield enterCode(module.memory.initTextBase, `${module.name}:init_module`);
    const result = yield* init(this.contextFor(self, module));
    yield exitCode();
    return result;
  }

  /** A failed init: the module goes, its users (if it went live early) are waited for, it is freed. */
  private *failInit(self: ExecutionContext, module: KernelModule, initResult: number): KernelCode<Result<undefined>> {
    yield* this.unwindComing(self, module);
    const errno = initResult < 0 ? errnoFromNumber(-initResult) : undefined;
    this.print(self, `${module.name}: init failed with error ${initResult}`);
    return fail(errno ?? 'EINVAL', `${module.name}'s init returned ${initResult}`);
  }

  /** A module that got as far as COMING and will not go live: GOING, its users waited for, freed. */
  private *unwindComing(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    yield store(module.cells.live, 0);
    yield store(module.cells.state, ModuleState.GOING);
    yield store(module.cells.waiter, self.pid);
    // do_init_module's failure path waits a grace period after GOING (2.6.0 synchronize_kernel(), later
    // synchronize_sched(), today synchronize_rcu()): puts under way finish, later ones see GOING and the waiter.
    yield* this.refcountOf(module).beforeFree(self);
    yield* this.notify(self, 'GOING', module);
    yield* this.modulePut(self, module);
    yield* this.waitForUsers(self, module);
    yield* checkNoUsers(module, this.refcountOf(module), 'it is freed after its init failed');
    yield* mutexLock(this.mutex, self);
    yield* this.freeModule(self, module);
    yield* mutexUnlock(this.mutex, self);
  }

  private *dropInit(module: KernelModule): KernelCode<void> {
    if (module.memory.initTextBase !== undefined) yield free(module.memory.initTextBase);
    module.initDropped = true;
  }

  // ---- delete_module ----

  /** delete_module(2) with 2.6.0's checks in 2.6.0's order. */
  *deleteModule(self: ExecutionContext, name: string, flags: DeleteFlags, caller: Caller = ROOT): KernelCode<Result<undefined>> {
    if (!caller.capSysModule) return fail('EPERM', 'deleting a module needs CAP_SYS_MODULE');
    yield* mutexLock(this.mutex, self);
    const checked = this.checkUnload(name, flags);
    if (!checked.ok) {
      yield* mutexUnlock(this.mutex, self);
      return checked;
    }
    const { module } = checked.value;
    let forced = checked.value.forced;
    const refcount = this.refcountOf(module);
    const force = this.forceUnload && flags.trunc;
    const outcome = yield* refcount.stop(self, { nonblock: flags.nonblock, force });
    const problem = stopOutcomeProblem(outcome);
    if (problem !== undefined) return yield* contractBroken(this.strategy.name, problem);
    if (outcome.kind === 'busy') {
      yield* mutexUnlock(this.mutex, self);
      return fail('EWOULDBLOCK', `module ${name} is in use (${outcome.count} references)`);
    }
    // Users remain and the caller would not wait: only force gets here (the strategy refused otherwise).
    if (outcome.count !== 0 && flags.nonblock) forced = this.taintForced(self, module);
    if (!forced && outcome.count !== 0) {
      // Sleep without the lock, so other modules can come and go while we wait for users.
      yield* mutexUnlock(this.mutex, self);
      yield* this.waitForUsers(self, module);
      yield* mutexLock(this.mutex, self);
    }
    if (!forced) yield* checkNoUsers(module, this.refcountOf(module), 'its exit runs');
    yield* this.notify(self, 'GOING', module);
    yield* this.runExit(self, module);
    yield* this.freeModule(self, module);
    yield* mutexUnlock(this.mutex, self);
    this.print(self, `${name}: module unloaded${forced ? ' (forced)' : ''}`);
    return done;
  }

  /** The strategy's wait for zero, with the waiting task noted on the module for observers. */
  private *waitForUsers(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    module.waitingUnloader = self.pid;
    yield* this.refcountOf(module).waitForZero(self);
    module.waitingUnloader = 0;
  }

  private checkUnload(name: string, flags: DeleteFlags): Result<{ module: KernelModule; forced: boolean }> {
    const module = this.find(name);
    if (module === undefined) return fail('ENOENT', `no module named ${name}`);
    if (module.usedBy.size > 0) {
      const holders = [...module.usedBy].map((holder) => holder.name).join(' ');
      return fail('EWOULDBLOCK', `module ${name} is used by ${holders}`);
    }
    if (module.state !== ModuleState.LIVE) return fail('EBUSY', `module ${name} is not live (still loading or already going)`);
    if (module.permanent) {
      if (!(this.forceUnload && flags.trunc)) return fail('EBUSY', `module ${name} has init but no exit: it cannot be removed`);
      return ok({ module, forced: this.taintForced(undefined, module) });
    }
    return ok({ module, forced: false });
  }

  /** An oops was reported: taint with TAINT_DIE ('D') as oops_end does, for later "Tainted:" lines. */
  noteOops(): void {
    this.taints.add('DIE');
  }

  /** O_TRUNC on a kernel that allows it: the unload goes ahead and the kernel is tainted. */
  private taintForced(self: ExecutionContext | undefined, module: KernelModule): boolean {
    this.taints.add('FORCED_RMMOD');
    this.print(self, `${module.name}: forced unload: tainting kernel (R)`);
    return true;
  }

  private print(self: ExecutionContext | undefined, text: string): void {
    this.log.print(self === undefined ? 0 : this.machine.clockOf(self.cpu), text);
  }

  private *runExit(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    const exit = module.behaviour.exit;
    if (!module.load.hasExit || exit === undefined) return;
    yield enterCode(module.memory.textBase, `${module.name}:cleanup_module`);
    yield* exit(this.contextFor(self, module));
    yield exitCode();
  }

  /** free_module: after in-flight puts (and lookups by address) are done, drop what it uses and release its memory. */
  private *freeModule(self: ExecutionContext, module: KernelModule): KernelCode<void> {
    const refcount = this.refcountOf(module);
    yield* refcount.beforeFree(self);
    // A lookup by address may find the module until it is unlinked here (2.6.24: inside stop_machine;
    // today: list_del_rcu then synchronize_rcu): its try_module_get must be refused, and it must be
    // over before the memory goes.
    if (this.addressTree !== undefined) yield* this.addressTree.unlinkAndWait(self, module);
    for (const owner of module.uses) {
      yield* this.modulePut(self, owner);
      owner.usedBy.delete(module);
    }
    module.uses.clear();
    yield* refcount.release(self);
    yield free(module.memory.textBase);
    if (module.memory.initTextBase !== undefined && !module.initDropped) yield free(module.memory.initTextBase);
    yield free(module.memory.structBase);
    module.freed = true;
  }

  // ---- Helpers ----

  private *notify(self: ExecutionContext, event: ModuleEvent, module: KernelModule): KernelCode<void> {
    for (const notifier of this.notifiers) yield* notifier(self, event, module);
  }

  private contextFor(self: ExecutionContext, module: KernelModule): ModuleContext {
    return moduleContext(this.services, self, module);
  }

  private refcountOf(module: KernelModule): NonNullable<KernelModule['refcount']> {
    const refcount = module.refcount;
    if (refcount === undefined) throw new Error(`module ${module.name} has no refcount yet`);
    return refcount;
  }
}
