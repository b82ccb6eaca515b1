export { createRcu } from './create.js';
export type { Rcu, RcuCallback } from './rcu.js';
