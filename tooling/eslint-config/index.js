// The one lint configuration every package and app extends.
// Type-aware rules catch the mistakes that matter in a simulator: a floating promise in a CLI,
// a switch over a tagged union that forgot a case, an unnecessary condition hiding a wrong type.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** @param {string} tsconfigRootDir the package directory (import.meta.dirname of its config) */
export function kmodsimConfig(tsconfigRootDir) {
  return tseslint.config(
    { ignores: ['dist/**', 'bench-dist/**', 'coverage/**', '**/fixtures/**', 'bin/**', '*.config.*'] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        // Generators that yield operations are the simulator's unit of code; some have
        // nothing to yield on a path and that is fine.
        'require-yield': 'off',
        // A simulated machine is a loop over a state that only changes through yields: constant
        // conditions such as `while (true)` are how spinning kernel code is written.
        '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
        'no-console': 'error',
      },
    },
    {
      files: ['**/*.test.ts', 'test/**', 'bench/**'],
      rules: {
        '@typescript-eslint/no-non-null-assertion': 'off',
        'no-console': 'off',
      },
    },
  );
}
