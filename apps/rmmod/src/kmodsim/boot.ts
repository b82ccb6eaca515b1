import { type ModuleSigningRecord, bootMachine, EMBEDDED_RELEASE } from '@kmodsim/machine';
import type { CliIo } from '@kmodsim/cli';
import { flag, parseMachineArgs, usageError, withValue } from './machine-args.js';
import { parseCpuCount } from './numbers.js';
import { DEFAULT_STRATEGY } from './scenario.js';

export const BOOT_USAGE = `Usage: kmodsim boot [--cpus N] [--strategy NAME] [--arch native|atomic] [--force-unload]
                   [--kernel DIR --symvers FILE [--sig-enforce]] [--reboot] [-M|--machine DIR]

Creates a simulated machine in DIR (default: $KMODSIM_MACHINE, else ~/.local/state/kmodsim/default).
Without --kernel it boots the embedded kernel: its symbol table and the demo modules
(demo_lib, demo_chardev, demo_fs, demo_irq) under /lib/modules/${EMBEDDED_RELEASE}, built
without CONFIG_MODULE_SIG. A real tree whose modules are signed boots a kernel that checks
module signatures (CONFIG_MODULE_SIG): an unsigned module loads and taints the kernel E, as on
Debian, and a module changed after it was signed is refused (Key was rejected by service).
Its built-in keyring is the X.509 certificates in the tree's boot/vmlinuz-VERSION, read once
at boot; without that file the kernel holds the key the modules name, and kmodsim takes a
well-formed signature by it as valid without verifying it.

Options:
  --cpus N            CPUs (default 4)
  --strategy NAME     the module refcount design (default ${DEFAULT_STRATEGY})
  --arch native|atomic  how local_t is built (default native)
  --force-unload      CONFIG_MODULE_FORCE_UNLOAD: rmmod -f may remove a module in use
  --kernel DIR        a real module tree (lib/modules/VERSION, or a root holding one)
  --symvers FILE      that kernel's Module.symvers (needed with --kernel)
  --sig-enforce       module.sig_enforce=1 on the kernel command line (as CONFIG_MODULE_SIG_FORCE):
                      a module without a valid signature is refused (EKEYREJECTED)
  --reboot            replace the machine already in DIR
`;

export async function bootCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseMachineArgs(io, 'boot', argv, [
    ...['cpus', 'strategy', 'arch', 'kernel', 'symvers'].map(withValue),
    ...['force-unload', 'sig-enforce', 'reboot'].map(flag),
  ], BOOT_USAGE);
  if (!parsed.ok) return parsed.status;
  const { args } = parsed;
  if (args.positionals.length > 0) return usageError(io, 'boot', `unexpected argument '${args.positionals[0] ?? ''}'`);
  const cpuCount = parseCpuCount(args.string('cpus') ?? '4');
  if (typeof cpuCount !== 'number') return usageError(io, 'boot', cpuCount.problem);
  const arch = args.string('arch') ?? 'native';
  if (arch !== 'native' && arch !== 'atomic') return usageError(io, 'boot', `--arch is native or atomic, not '${arch}'`);
  const kernel = args.string('kernel');
  const symvers = args.string('symvers');
  if ((kernel === undefined) !== (symvers === undefined)) return usageError(io, 'boot', '--kernel and --symvers go together');
  const booted = await bootMachine(args.dir, {
    cpuCount,
    strategy: args.string('strategy') ?? DEFAULT_STRATEGY,
    arch,
    forceUnload: args.flag('force-unload'),
    ...(kernel !== undefined && symvers !== undefined ? { tree: { dir: kernel, symvers } } : {}),
    sigEnforce: args.flag('sig-enforce'),
    reboot: args.flag('reboot'),
  }, io.clock.nowMs());
  if (!booted.ok && booted.kind === 'usage') return usageError(io, 'boot', booted.message);
  if (!booted.ok) {
    io.stderr.write(`kmodsim boot: ERROR: ${booted.message}\n`);
    return 1;
  }
  const { config, signingNote, moduleDir, depmodWarnings } = booted.value;
  for (const warning of depmodWarnings) io.stderr.write(`kmodsim boot: WARNING: depmod: ${warning}\n`);
  io.stdout.write(
    `booted ${args.dir}: ${config.cpuCount} CPUs, kernel ${config.kernel.release}${config.kernel.kind === 'embedded' ? ' (embedded)' : ''}, ` +
    `refcount strategy ${config.strategy}, local_t ${config.arch}, forced unload ${config.forceUnload ? 'allowed' : 'not allowed'}\n` +
    `modules: ${moduleDir}\n` +
    signingLines(config.moduleSigning, signingNote),
  );
  return 0;
}

/** What the machine does with module signatures, in words: users see here why 'E' appears or a load is refused. */
function signingLines(signing: ModuleSigningRecord | undefined, note: string | undefined): string {
  if (signing === undefined) return 'module signatures: not checked (a kernel built without CONFIG_MODULE_SIG)\n';
  const policy = signing.enforce
    ? 'checked and enforced (module.sig_enforce=1): a module without a valid signature is refused'
    : 'checked, not enforced: an unsigned module loads and taints the kernel E';
  const keys = signing.trustedKeys.map((key) => `trusted key: ${key.signer}, serial ${key.keyId} (` +
    (key.certificate === undefined ? 'known by name only: a well-formed signature by it is taken as valid, not verified' : 'X.509 certificate: signatures by it are verified') + ')\n');
  return `module signatures: ${policy}\n${keys.join('')}${note === undefined ? '' : `keyring: ${note}\n`}`;
}
