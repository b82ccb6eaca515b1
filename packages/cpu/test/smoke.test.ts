import { expect, test } from 'vitest';
import { placeholderForInstallCheck } from '@kmodsim/cpu';
test('resolves', () => { expect(placeholderForInstallCheck).toBe(1); });
