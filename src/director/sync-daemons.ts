import type { SyncDaemon } from '../ipvs/index.js';
import type { PlannedGroup } from './plan-vrrp.js';
import type { GroupRole } from './table.js';

/**
 * The IPVS connection sync daemons this node should run: the master daemon while a group with
 * connectionSync is MASTER here, the backup daemon otherwise, so the backup's table already
 * holds the connections when it takes over (keepalived's lvs_sync_daemon). The kernel runs at
 * most one daemon of each kind, so the first such group (by name) decides.
 */
export function desiredDaemons(groups: readonly PlannedGroup[], roleOf: (ref: string) => GroupRole): SyncDaemon[] {
  const group = [...groups].filter((g) => g.connectionSync).sort((a, b) => a.ref.localeCompare(b.ref))[0];
  if (!group?.connectionSync) return [];
  const { interface: mcastInterface, syncId } = group.connectionSync;
  const state = roleOf(group.ref) === 'master' ? 'master' : 'backup';
  // Zero and empty leave the multicast group, port, TTL and payload size to the kernel's defaults.
  return [{ state, mcastInterface, syncId, syncMaxLen: 0, mcastGroup: '', mcastPort: 0, mcastTtl: 0 }];
}

/** Which daemons to stop and start to get from `running` to `desired`. */
export function planDaemons(
  running: readonly SyncDaemon[],
  desired: readonly SyncDaemon[],
): { stop: SyncDaemon['state'][]; start: SyncDaemon[] } {
  const same = (a: SyncDaemon, b: SyncDaemon) =>
    a.state === b.state && a.mcastInterface === b.mcastInterface && a.syncId === b.syncId;
  const stop = running.filter((r) => !desired.some((d) => same(d, r))).map((r) => r.state);
  const start = desired.filter((d) => !running.some((r) => same(d, r)));
  return { stop, start };
}
