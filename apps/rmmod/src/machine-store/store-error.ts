// What can be wrong with a machine directory. These are expected failures (a user's typo, a
// crash, an edited file), so they are values; the CLIs turn them into messages and exit 1.

export type StoreError =
  | { readonly kind: 'no-machine'; readonly dir: string }
  | { readonly kind: 'not-a-machine'; readonly dir: string; readonly why: string }
  | { readonly kind: 'damaged'; readonly dir: string; readonly file: string; readonly why: string }
  | { readonly kind: 'locked'; readonly dir: string; readonly holder: string; readonly waitedMs: number }
  | { readonly kind: 'exists'; readonly dir: string }
  | { readonly kind: 'io'; readonly dir: string; readonly why: string };

export function describeStoreError(error: StoreError): string {
  switch (error.kind) {
    case 'no-machine':
      return `no simulated machine at ${error.dir}; create one with: kmodsim boot --machine ${error.dir}`;
    case 'not-a-machine':
      return `${error.dir} is not a kmodsim machine (${error.why})`;
    case 'damaged':
      return `the machine state in ${error.dir} is damaged: ${error.file}: ${error.why}. Nothing was changed; ` +
        'move the directory aside and boot a new machine, or restore the file from a backup';
    case 'locked':
      return `the machine at ${error.dir} has been locked by ${error.holder} for ${Math.round(error.waitedMs / 1000)} s; giving up`;
    case 'exists':
      return `${error.dir} already holds a machine; pass --reboot to replace it`;
    case 'io':
      return `${error.dir}: ${error.why}`;
  }
}

export function ioError(dir: string, error: unknown): StoreError {
  return { kind: 'io', dir, why: error instanceof Error ? error.message : String(error) };
}
