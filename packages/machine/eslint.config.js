import { kmodsimConfig } from '@kmodsim/eslint-config';

// scripts/ holds plain build-time Node scripts, outside the TypeScript project.
export default [...kmodsimConfig(import.meta.dirname), { ignores: ['scripts/**'] }];
