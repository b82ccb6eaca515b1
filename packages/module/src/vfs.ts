import { fail, ok, type ExecutionContext, type Failure, type KernelCode, type Result } from '@kmodsim/cpu';
import type { ModuleCore } from './core.js';
import type { KernelModule } from './kernel-module.js';

// The places where the rest of the kernel takes references on modules for user space: opening a
// character device (fops_get) and mounting a filesystem (get_fs_type). The reference is taken
// before the first call into the module and dropped after the last one returns, so the module
// code itself never drops the reference that keeps it loaded.

const tryGetOf = (core: ModuleCore) => (self: ExecutionContext, module: KernelModule) => core.tryModuleGet(self, module);

/** open(2) on a device: a reference on its module (refused once the module is going), then its open(). */
export function* openDevice(core: ModuleCore, self: ExecutionContext, deviceName: string): KernelCode<Result<KernelModule>> {
  const module = yield* core.chardevs.lookupAndGet(self, deviceName, tryGetOf(core));
  if (module === undefined) return notThere(deviceName);
  const result = yield* core.call(self, module, 'open');
  if (result < 0) {
    yield* core.modulePut(self, module);
    return fail('ENODEV', `${deviceName}: open returned ${result}`);
  }
  return ok(module);
}

/** close(2): the module's release(), then the reference goes. */
export function* closeDevice(core: ModuleCore, self: ExecutionContext, module: KernelModule): KernelCode<void> {
  yield* core.call(self, module, 'release');
  yield* core.modulePut(self, module);
}

/** read(2) on an open device: a call into the module's code. */
export function* readDevice(core: ModuleCore, self: ExecutionContext, module: KernelModule): KernelCode<number> {
  return yield* core.call(self, module, 'read');
}

/** mount(2): the filesystem's module is held for as long as the mount exists. */
export function* mountFilesystem(core: ModuleCore, self: ExecutionContext, filesystem: string): KernelCode<Result<KernelModule>> {
  const module = yield* core.filesystems.lookupAndGet(self, filesystem, tryGetOf(core));
  if (module === undefined) return notThere(filesystem);
  yield* core.call(self, module, 'fill_super');
  return ok(module);
}

export function* unmountFilesystem(core: ModuleCore, self: ExecutionContext, module: KernelModule): KernelCode<void> {
  yield* core.call(self, module, 'kill_sb');
  yield* core.modulePut(self, module);
}

function notThere(name: string): Failure {
  return fail('ENODEV', `no ${name} registered (its module is not loaded or is going away)`);
}
