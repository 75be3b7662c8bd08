// ESLint beside prettier (prettier owns the layout, ESLint the code): typescript-eslint's
// recommended rules. Not type-aware: with type information (for no-floating-promises) a lint
// run took five times the CPU of the untyped one and twice that of `tsc`, and found nothing
// the untyped rules and the typechecks do not.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.wrangler/',
      '.data/',
      'coverage/',
      'dist/',
      'drizzle/',
      // wrangler dev's bundles beside a worker it ran, and a package's build output.
      '**/.wrangler/',
      'packages/*/dist/',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // An underscore marks a deliberate discard: a field left out of a copy
      // (`{ secretHash: _, ...client }`), a loop that only counts, a parameter a signature needs.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `interface Env extends Bindings {}` is how a global interface is augmented (declaration
      // merging); a type alias could not be merged.
      '@typescript-eslint/no-empty-object-type': [
        'error',
        { allowInterfaces: 'with-single-extends' },
      ],
      // Ambient module declarations (*.wasm, *.txt) live in a script file, which cannot be
      // imported without turning it into a module; the scripts that need them reference it.
      '@typescript-eslint/triple-slash-reference': ['error', { path: 'always' }],
      // Every control-character class here is deliberate: it refuses control characters in
      // input (display names, return paths). The rule exists to catch accidental ones.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
);
