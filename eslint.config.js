// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that do I/O: pure files (codecs, planners, state machines) must not import them. */
const ioModules = [
  'node:net',
  'node:dgram',
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'netlink',
  'raw-socket',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'native/build/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // Tool configuration files must default-export.
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Pure files: data in, data out. See STYLE.md, "Module boundaries".
    files: [
      'src/**/codec.ts',
      'src/**/plan*.ts',
      'src/**/machine.ts',
      'src/**/timers.ts',
      'src/**/accept.ts',
      'src/**/format.ts',
      'src/**/drain.ts',
      'src/**/frames.ts',
      'src/**/*-frames.ts',
      'src/net/bpf.ts',
      'src/net/ip-codec.ts',
      'src/net/checksum.ts',
      'src/api/**/*.ts',
      'src/keepalived/parse*.ts',
      'src/keepalived/convert*.ts',
    ],
    ignores: ['src/api/load*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'Pure modules do no I/O: put this behind a port.' })),
          patterns: [{ group: ['**/native/**', '**/native.js'], message: 'Pure modules do no I/O.' }],
        },
      ],
    },
  },
);
