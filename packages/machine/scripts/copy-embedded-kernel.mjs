// Copies the embedded kernel (the demo modules built from the project's C sources, and their
// Module.symvers) into this package's dist/embedded-kernel/, where the package finds it at run
// time, installed or in the workspace. The workspace keeps the built modules with the linker,
// which tests against them; only this build step reads them from there.
import { copyFileSync, mkdirSync } from 'node:fs';

const from = new URL('../../linker/fixtures/modules/', import.meta.url);
const to = new URL('../dist/embedded-kernel/', import.meta.url);
mkdirSync(to, { recursive: true });
for (const file of ['Module.symvers', 'demo_lib.ko', 'demo_chardev.ko', 'demo_fs.ko', 'demo_irq.ko']) copyFileSync(new URL(file, from), new URL(file, to));
