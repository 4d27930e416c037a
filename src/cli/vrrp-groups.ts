/**
 * VrrpGroup manifests → the VRRP instances one node runs, by the director's own path: the
 * manifest validation of src/sources, the model (src/model), then src/director's `planNode`
 * with the VrrpGroups alone. vrrp-speaker-main.ts runs the result; there is no second schema
 * of VRRP settings.
 */
import { secretValue, type ManifestObject, type Secret } from '../api/index.js';
import { LvsError } from '../core/index.js';
import { excludesObject, planNode, type NodeIdentity, type PlanIssue } from '../director/index.js';
import { buildModel, formatRef } from '../model/index.js';
import { formatDiagnostic, loadManifestPaths, validateManifestSet } from '../sources/index.js';
import type { VrrpInstanceConfig } from '../vrrp/index.js';

/** The manifests cannot be run as given: every problem found, one line each. */
export class StandaloneGroupsError extends LvsError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('LVS_CONFIG_INVALID', `invalid VrrpGroup manifests: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** What the node runs, and what it accepted but does not act on. */
export interface StandaloneGroups {
  readonly instances: readonly VrrpInstanceConfig[];
  readonly warnings: readonly string[];
}

const issueText = (i: PlanIssue) => `${formatRef(i.object)}: ${i.path.join('.')}: ${i.message}`;

/**
 * Pure: validated objects → this node's instances, through `planNode`. Only VrrpGroups and the
 * Secrets they reference belong here (anything else would be silently not run). Every plan
 * issue is an error, a missing Secret included: unlike the director, nothing is retried.
 */
export function planStandaloneGroups(objects: readonly ManifestObject[], node: NodeIdentity): StandaloneGroups {
  const problems = objects
    .filter((o) => o.kind !== 'VrrpGroup' && o.kind !== 'Secret')
    .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}: only VrrpGroups and Secrets are run here`);
  const secrets = objects.filter((o): o is Secret => o.kind === 'Secret');
  const resolveSecret = (namespace: string, name: string, key: string) => {
    const s = secrets.find((x) => x.metadata.namespace === namespace && x.metadata.name === name);
    return s ? secretValue(s, key) : undefined;
  };
  const plan = planNode(
    buildModel(
      objects.filter((o) => o.kind === 'VrrpGroup'),
      resolveSecret,
    ),
    node,
  );
  problems.push(...plan.issues.filter(excludesObject).map(issueText));
  if (problems.length === 0 && plan.groups.length === 0) problems.push(`no VrrpGroup selects node ${node.name}`);
  if (problems.length > 0) throw new StandaloneGroupsError(problems);
  return {
    instances: plan.groups.map((g) => g.config),
    warnings: [...plan.issues.filter((i) => !excludesObject(i)), ...plan.unsupported].map(issueText),
  };
}

/**
 * Reads VrrpGroup manifests (YAML or JSON files, or folders of them) and plans them for `node`.
 * Any error (a file that cannot be read, an object that does not validate) stops it: a
 * standalone speaker runs everything it was given or nothing.
 */
export async function loadStandaloneGroups(paths: readonly string[], node: NodeIdentity): Promise<StandaloneGroups> {
  const loaded = await loadManifestPaths(paths);
  const checked = validateManifestSet(loaded.documents, loaded.diagnostics);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  if (errors.length > 0) throw new StandaloneGroupsError(errors);
  const planned = planStandaloneGroups(
    checked.objects.map((l) => l.object),
    node,
  );
  const warnings = checked.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
  return { instances: planned.instances, warnings: [...warnings, ...planned.warnings] };
}
