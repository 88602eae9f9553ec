// @ts-check
/**
 * `npm run lint`: typescript-eslint's strict, type-aware rules (strictTypeChecked) over every
 * TypeScript source: lib, functions, local, infra, tools, bench, test. A rule is relaxed here only
 * with the reason next to it.
 */
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.d.ts'] },
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Messages name byte counts, tags, frame numbers and flags: numbers and booleans print as themselves.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // An async function that implements a Promise-returning interface keeps `async` so that a throw is a rejection.
      '@typescript-eslint/require-await': 'off',
      // Arrow callbacks like `(ok) => server.close(() => ok())` return a void call on purpose.
      // A void function may end with `return done(...)` of another void function.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // Defensive checks on what comes from outside (Lambda events, parsed DICOM, SDK answers, JSON) whose
      // declared types promise more than arrives: bad input must give a 4xx, never a 5xx.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `delete process.env[name]` is how a variable is unset; `delete` on a keyed record is its removal.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // `_name`: a parameter an interface requires, or a property left out of a rest copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['infra/stack-config.ts'],
    rules: {
      // CDK context values are JSON, unknown until checked; a message shows what was given, as given.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Fixtures and answers a test has just built or asserted are present; a wrong `!` fails the test anyway.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests and benchmarks read JSON.parse'd answers (any) and assert on them: the assertion is the type check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
