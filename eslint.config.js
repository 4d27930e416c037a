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

/**
 * A folder is used through its index.ts; its other files are its own. The exceptions are pure
 * modules that tools without the kernel adapters import by path (the IP codec, the checksum,
 * the ipvsadm rule format and the IPVS types, for `lvsctl import` and the pure codecs).
 */
const folderBoundary = {
  group: [
    '../*/*',
    '!../*/index.js',
    '!../net/ip-codec.js',
    '!../net/checksum.js',
    '!../ipvs/rule-lines.js',
    '!../ipvs/types.js',
  ],
  message: "Import another folder through its index.ts (STYLE.md, 'Module boundaries').",
};

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
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [folderBoundary] }] },
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
      'src/model/**/*.ts',
      'src/status/**/*.ts',
      'src/director/vip-acceptance.ts',
      'src/director/vip-policy.ts',
      'src/director/vip-conflicts.ts',
      'src/director/table.ts',
      'src/director/sync-daemons.ts',
      'src/director/status-items.ts',
      'src/director/command-conditions.ts',
      'src/director/status-document.ts',
      'src/realserver/desired.ts',
      'src/realserver/requirements.ts',
      'src/realserver/status.ts',
      'src/realserver/status-items.ts',
      'src/health/weights.ts',
      'src/health/probes.ts',
      'src/vrrp/tracking.ts',
      'src/ipvs/conflicts.ts',
      'src/ipvs/drift.ts',
      'src/ipvs/record-view.ts',
      'src/vrrp/instance-changes.ts',
      'src/cli/plan-changes.ts',
      'src/cli/plan-render.ts',
      'src/kube/lease-decision.ts',
      'src/kube/node-status.ts',
      'src/keepalived/parse*.ts',
      'src/keepalived/convert*.ts',
    ],
    ignores: ['src/api/load*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'Pure modules do no I/O: put this behind a port.' })),
          patterns: [{ group: ['**/native/**', '**/native.js'], message: 'Pure modules do no I/O.' }, folderBoundary],
        },
      ],
    },
  },
);
