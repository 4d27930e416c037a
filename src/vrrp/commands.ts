/**
 * The command port of notify hooks and track scripts is the program's one process runner
 * (src/net/process-runner.ts): argv without a shell, keepalived's script timeout, the command
 * policy checked before anything runs. The name stays for the VRRP side.
 */
export type { ProcessRunner as CommandRunner } from '../net/index.js';
