// Copies the embedded kernel (the demo modules built from the project's C sources, and their
// Module.symvers) next to the build, so an installed package boots without the workspace.
import { copyFileSync, mkdirSync } from 'node:fs';

const from = new URL('../../../packages/linker/fixtures/modules/', import.meta.url);
const to = new URL('../dist/embedded-kernel/', import.meta.url);
mkdirSync(to, { recursive: true });
for (const file of ['Module.symvers', 'demo_lib.ko', 'demo_chardev.ko', 'demo_fs.ko', 'demo_irq.ko']) copyFileSync(new URL(file, from), new URL(file, to));
