// Lint for the TypeScript sources and tests (run by `npm run lint` and in CI). Formatting is
// prettier's job; this keeps correctness rules, the line length, and the layer boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.testenv/', '.tools/', '.stage/', 'coverage/', 'test/cluster/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-len': ['error', { code: 120, ignoreUrls: false, ignoreStrings: false, ignoreTemplateLiterals: false }],
      // A spread into these calls puts every element on the stack: past ~120,000 it throws (issue 25).
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(push|unshift|splice|max|min|fromCharCode|fromCodePoint|apply)$/] ' +
            '> SpreadElement',
          message: 'a spread into this call fails on long arrays: use appendAll/maxOf from src/arrays.ts, or a loop',
        },
      ],
    },
  },
  {
    // Raw manifests and API replies are untyped until normalize.ts turns them into the snapshot.
    files: ['src/input/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read the tool's JSON output and the API server's replies as untyped data.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
  {
    // Semantics and input sit below the diagnosis: they may not import it.
    files: ['src/input/**/*.ts', 'src/findings/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/diagnose/**'], message: 'src/diagnose is a layer above' }] },
      ],
    },
  },
  {
    // The snapshot is the one meeting point of files, live reads and evidence: it imports only itself.
    files: ['src/snapshot/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!./*'], message: 'src/snapshot imports nothing above it' }] },
      ],
    },
  },
  {
    // Semantics read the snapshot, never the readers that fill it, and sit below the diagnosis.
    files: ['src/mesh/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/input/**'], message: 'read the snapshot (src/snapshot), not src/input' },
            { group: ['**/diagnose/**'], message: 'src/diagnose is a layer above' },
          ],
        },
      ],
    },
  },
  {
    // The diagnosis reads the snapshot, never the readers that fill it.
    files: ['src/diagnose/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/input/**'], message: 'read the snapshot (src/snapshot), not src/input' }] },
      ],
    },
  },
  {
    // Renderers and the CLI plumbing see the diagnosis only through its report contract.
    files: ['src/render/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/diagnose/*', '!**/diagnose/report.js'],
              message: 'import the contract from diagnose/report.js',
            },
          ],
        },
      ],
    },
  },
);
