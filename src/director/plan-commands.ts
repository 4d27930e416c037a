/**
 * Pure: the commands of one object against the director's command policy (src/net
 * command-policy.ts). A refused command becomes a CommandRefused issue naming the field and the
 * program, and is left out of the plan; the rest of the object is planned as if it had never
 * asked for it. The process runner checks the same policy again before it spawns anything.
 */
import type { FieldPath, ObjectRef } from '../model/index.js';
import { refusalOf, type CommandKind, type CommandPolicy } from '../net/index.js';
import type { PlanIssue } from './plan-types.js';

/** The Event and condition reason of a refused command. */
export const COMMAND_REFUSED = 'CommandRefused';

/** Checks the commands of one object and collects the refusals. */
export class CommandCheck {
  readonly issues: PlanIssue[] = [];

  constructor(
    private readonly policy: CommandPolicy,
    private readonly object: ObjectRef,
  ) {}

  /** Whether `argv` may run; when not, a CommandRefused issue for `path` is recorded. */
  allows(argv: readonly string[], path: FieldPath, command: CommandKind): boolean {
    const refusal = refusalOf(this.policy, argv);
    if (!refusal) return true;
    const program = argv[0] ?? '';
    const key = path.join('.');
    if (!this.issues.some((i) => i.path.join('.') === key)) {
      this.issues.push({
        object: this.object,
        path,
        message: `${refusal.message}; the command is not run`,
        transient: false,
        reason: COMMAND_REFUSED,
        refusedCommand: { kind: command, program: program.slice(0, 256) },
      });
    }
    return false;
  }

  /** The hooks of a notify block that may run; refused ones are left out. */
  hooks<K extends string>(
    hooks: Partial<Record<K, readonly string[]>>,
    path: FieldPath,
  ): Partial<Record<K, readonly string[]>> {
    const out: Partial<Record<K, readonly string[]>> = {};
    for (const [name, argv] of Object.entries(hooks) as [K, readonly string[] | undefined][]) {
      if (argv !== undefined && this.allows(argv, [...path, name], 'notify')) out[name] = argv;
    }
    return out;
  }
}
