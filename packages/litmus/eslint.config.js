import { kmodsimConfig } from '@kmodsim/eslint-config';

export default kmodsimConfig(import.meta.dirname);
