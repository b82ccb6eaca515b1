import type { Architecture } from './arch.js';
import { x86_64 } from './x86-64.js';

// Architectures by ELF machine number; aarch64 would add its relocations here.
export const architectures: ReadonlyMap<number, Architecture> = new Map([[x86_64.elfMachine, x86_64]]);
