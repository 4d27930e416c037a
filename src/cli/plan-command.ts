import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command, CommanderError } from 'commander';
import { secretValue, type ManifestObject, type Secret } from '../api/index.js';
import { createRootLogger, LvsError, messageOf } from '../core/index.js';
import type { GroupRole, NodeIdentity } from '../director/index.js';
import {
  createNetlinkClient,
  DEFAULT_DRAIN_POLICY,
  DirectoryOwnershipStore,
  IpvsRecordError,
  recordOwnership,
  serviceId,
  type ObservedService,
  type PassOwnership,
  type ServiceKey,
} from '../ipvs/index.js';
import { buildModel, nameKey, type Model, type SecretResolver } from '../model/index.js';
import { NetlinkAddresses } from '../net/index.js';
import { EMPTY_SNAPSHOT, loadManifestPaths, mergeWithLastGood, type ManifestSnapshot } from '../sources/index.js';
import { ReportedFailure, UsageError } from './exit.js';
import {
  collect,
  directorTuningOptions,
  parseDirectorTuning,
  parseLabel,
  parseVipPolicy,
  vipPolicyOptions,
  type DirectorTuningFlags,
  type VipPolicyFlags,
} from './flags.js';
import { hasChanges, planChanges, tableFrom, type ChangeInputs } from './plan-changes.js';
import { renderJson, renderText } from './plan-render.js';

/** Exit status of `lvsctl plan` when applying would change the node (0: nothing, 1: error). */
export const EXIT_CHANGES = 2;

const OUTPUTS = ['text', 'json'] as const;

interface PlanFlags extends DirectorTuningFlags, VipPolicyFlags {
  current: string[];
  node: string;
  nodeLabel: string[];
  stateDir: string;
  offline?: boolean;
  allowRefused?: boolean;
  output: string;
}

/**
 * A plan that could not be made (bad flags, unreadable manifests, no IPVS): exit 1 with the
 * message, never 2, which means "changes" here.
 */
class PlanInputError extends LvsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LVS_PLAN_INPUT', message, options);
  }
}

/** `lvsctl plan PATH...`: what applying manifests would change on this director node. */
export function registerPlan(program: Command): void {
  vipPolicyOptions(directorTuningOptions(program.command('plan')))
    .description('Show what applying these manifests (files or folders) would change on this director node')
    .argument('<paths...>', 'the new manifests: files or folders (*.yaml, *.yml, *.json, recursively)')
    .option(
      '--current <path>',
      'the manifests applied now, for VRRP and VIPs (repeatable; default: none, all new)',
      collect,
      [],
    )
    .option('--node <name>', "this node's name, as used in nodes[] overrides and RealServer.node", hostname())
    .option('--node-label <key=value>', 'a label of this node, for VrrpGroup nodeSelectors (repeatable)', collect, [])
    .option('--state-dir <dir>', "the director's state folder (its IPVS ownership record)", '/var/lib/lvs-operator')
    .option('--offline', 'read nothing from this node: compare with what --current programs, every group master here')
    .option('--allow-refused', 'exit 0 or 2 even when objects would be refused (they are still listed)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      '\nIPVS is compared with the kernel table and the ownership record (--offline: with --current);\n' +
        'VRRP instances and VIPs with --current. Services another tool made are left alone.\n' +
        'Exit status: 0 no change, 2 changes, 1 error or an object that would be refused\n' +
        '(without --allow-refused).',
    )
    .exitOverride((err: CommanderError) => {
      // Commander printed the problem; a usage error must not read as "changes" (2).
      if (err.exitCode === 0) throw err;
      throw new ReportedFailure(err.message);
    })
    .action(async (paths: string[], flags: PlanFlags) => {
      try {
        await plan(paths, flags);
      } catch (err) {
        if (err instanceof UsageError) throw new PlanInputError(err.message);
        throw err;
      }
    });
}

async function plan(paths: string[], flags: PlanFlags): Promise<void> {
  if (!(OUTPUTS as readonly string[]).includes(flags.output)) {
    throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}`);
  }
  const node: NodeIdentity = {
    name: flags.node,
    labels: Object.fromEntries(flags.nodeLabel.map((l) => parseLabel(l, '--node-label'))),
  };
  const tuning = parseDirectorTuning(flags);
  const vipPolicy = parseVipPolicy(flags);
  const currentSnapshot = flags.current.length > 0 ? await readSnapshot(flags.current, EMPTY_SNAPSHOT) : EMPTY_SNAPSHOT;
  const nextSnapshot = await readSnapshot(paths, currentSnapshot);
  const current = modelOf(currentSnapshot);
  const next = modelOf(nextSnapshot);
  const base = { node, vipPolicy, current, next, diagnostics: nextSnapshot.diagnostics };
  const drain = { ...DEFAULT_DRAIN_POLICY, drainMs: tuning.drainTimeoutMs };
  const inputs: ChangeInputs = flags.offline
    ? offlineInputs(base, drain)
    : { ...base, drain, ...(await nodeState(flags.stateDir, tuning.adoptIpvsServices, [current, next])) };
  const changes = planChanges(inputs);
  process.stdout.write(flags.output === 'json' ? renderJson(node.name, changes) : renderText(node.name, changes));
  if (changes.refused.length > 0 && flags.allowRefused !== true) {
    throw new ReportedFailure(`${changes.refused.length} objects would be refused`);
  }
  if (hasChanges(changes)) process.exitCode = EXIT_CHANGES;
}

/** Reads manifests as the standalone source does: invalid objects keep their `previous` version. */
async function readSnapshot(paths: readonly string[], previous: ManifestSnapshot): Promise<ManifestSnapshot> {
  const loaded = await loadManifestPaths(paths);
  const missing = loaded.unavailable[0];
  if (missing) throw new PlanInputError(`cannot read ${missing.path}: ${missing.reason}`);
  return mergeWithLastGood(previous, loaded.documents, loaded.diagnostics);
}

/** The model of a snapshot, its Secrets resolved from the same objects (as standalone does). */
function modelOf(snapshot: ManifestSnapshot): Model {
  const objects: ManifestObject[] = snapshot.objects.map((o) => o.object);
  const resolveSecret: SecretResolver = (ns, name, key) => {
    const s = objects.find(
      (x): x is Secret => x.kind === 'Secret' && x.metadata.namespace === ns && x.metadata.name === name,
    );
    return s ? secretValue(s, key) : undefined;
  };
  return buildModel(objects, resolveSecret);
}

/** Without the node: the current table is what --current programs, all of it ours. */
function offlineInputs(
  base: Omit<ChangeInputs, 'kernel' | 'ownership' | 'drain' | 'roleOf'>,
  drain: ChangeInputs['drain'],
): ChangeInputs {
  const roleOf = (): GroupRole => 'master';
  const kernel = tableFrom(base.current, base.node, base.vipPolicy, roleOf);
  const services = new Map(kernel.map((s) => [serviceId(s.key), s.key]));
  const ownership: PassOwnership = {
    services,
    owns: (k) => services.has(serviceId(k)),
    unprovenOf: () => undefined,
    unreadable: undefined,
  };
  return { ...base, drain, kernel, ownership, roleOf };
}

/**
 * The node now: the kernel's IPVS table, the ownership record read without changing it, and
 * which groups are master here (their VIPs are on this node).
 */
async function nodeState(
  stateDir: string,
  adopt: readonly ServiceKey[],
  models: readonly Model[],
): Promise<Pick<ChangeInputs, 'kernel' | 'ownership' | 'roleOf'>> {
  const kernel = await readKernel();
  const store = new DirectoryOwnershipStore({ dir: join(stateDir, 'ipvs-owned'), readOnly: true });
  const record = await store.load().catch((err: unknown) => {
    if (err instanceof IpvsRecordError) return err;
    throw err;
  });
  const present = new Set(kernel.map((s) => serviceId(s.key)));
  return {
    kernel,
    ownership: recordOwnership(record, adopt, (id) => present.has(id)),
    roleOf: await rolesNow(models),
  };
}

async function readKernel(): Promise<ObservedService[]> {
  try {
    const client = await createNetlinkClient({ log: createRootLogger({ level: 'silent' }) });
    try {
      return await client.dump({ stats: false });
    } finally {
      client.close();
    }
  } catch (err) {
    throw new PlanInputError(
      `cannot read the kernel's IPVS table (${messageOf(err)}): run on the director node with CAP_NET_ADMIN, or use --offline`,
      { cause: err },
    );
  }
}

/** A group is master here when one of its VIPs (now or in the new manifests) is on this node. */
async function rolesNow(models: readonly Model[]): Promise<(groupRef: string) => GroupRole> {
  const addresses = new NetlinkAddresses();
  let local: Set<string>;
  try {
    local = new Set((await addresses.list()).map((a) => a.address));
  } catch (err) {
    throw new PlanInputError(`cannot list this node's addresses: ${messageOf(err)}`, { cause: err });
  } finally {
    addresses.close();
  }
  const master = new Set<string>();
  for (const m of models) {
    for (const g of m.groups) if (g.virtualIPs.some((v) => local.has(v.address.text))) master.add(nameKey(g.ref));
  }
  return (ref) => (master.has(ref) ? 'master' : 'backup');
}
