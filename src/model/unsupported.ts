import type { VirtualServer, VrrpGroup } from '../api/index.js';
import { refOf } from './refs.js';
import type { FieldPath, ModelIssue } from './types.js';

/**
 * Settings the schema accepts (keepalived has them, and the importer carries them) that this
 * version does not act on yet. Each use is reported, so nothing is silently ignored; the
 * object itself still runs.
 */
export function unsupportedSettings(o: VrrpGroup | VirtualServer): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const note = (path: FieldPath, message: string) => issues.push({ object: refOf(o), path, message, transient: false });
  if (o.kind === 'VrrpGroup') {
    if (o.spec.syncGroup !== undefined) {
      note(['spec', 'syncGroup'], 'syncGroup is not supported yet: this group changes state on its own');
    }
    if ((o.spec.excludedVirtualIPs ?? []).length > 0) {
      note(['spec', 'excludedVirtualIPs'], 'excludedVirtualIPs are not supported yet and are not added');
    }
    o.spec.virtualIPs.forEach((v, i) => {
      if (v.interface !== undefined && v.interface !== o.spec.interface) {
        note(
          ['spec', 'virtualIPs', i, 'interface'],
          `virtual IPs go on ${o.spec.interface}; a per-address interface is not supported yet`,
        );
      }
      if (v.label !== undefined) {
        note(
          ['spec', 'virtualIPs', i, 'label'],
          'address labels are set by the agent (<iface>:vrrp<vrid>); a custom label is not supported yet',
        );
      }
    });
  } else if (o.spec.omega) {
    note(['spec', 'omega'], 'omega is not supported yet: no notify down runs when the service is removed');
  }
  return issues;
}
