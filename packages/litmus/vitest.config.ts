import { kmodsimVitestConfig } from '@kmodsim/vitest-config';

export default kmodsimVitestConfig;
