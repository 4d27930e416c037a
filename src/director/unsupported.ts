import type { ManifestObject } from '../api/index.js';
import type { PlanIssue } from './plan-types.js';

/**
 * Settings the schema accepts (keepalived has them, and the importer carries them) that this
 * version of the director does not act on yet. Each use is reported, so nothing is silently
 * ignored; the object itself still runs.
 */
export function unsupportedSettings(objects: readonly ManifestObject[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const o of objects) {
    const ref = `${o.metadata.namespace}/${o.metadata.name}`;
    const note = (kind: PlanIssue['kind'], path: (string | number)[], message: string) =>
      issues.push({ ref, kind, path, message, transient: false });
    if (o.kind === 'VrrpGroup') {
      if (o.spec.syncGroup !== undefined) {
        note('VrrpGroup', ['spec', 'syncGroup'], 'syncGroup is not supported yet: this group changes state on its own');
      }
      if ((o.spec.excludedVirtualIPs ?? []).length > 0) {
        note('VrrpGroup', ['spec', 'excludedVirtualIPs'], 'excludedVirtualIPs are not supported yet and are not added');
      }
      o.spec.virtualIPs.forEach((v, i) => {
        if (v.interface !== undefined && v.interface !== o.spec.interface) {
          note(
            'VrrpGroup',
            ['spec', 'virtualIPs', i, 'interface'],
            `virtual IPs go on ${o.spec.interface}; a per-address interface is not supported yet`,
          );
        }
        if (v.label !== undefined) {
          note(
            'VrrpGroup',
            ['spec', 'virtualIPs', i, 'label'],
            'address labels are set by the agent (<iface>:vrrp<vrid>); a custom label is not supported yet',
          );
        }
      });
    } else if (o.kind === 'VirtualServer' && o.spec.omega) {
      note(
        'VirtualServer',
        ['spec', 'omega'],
        'omega is not supported yet: no notify down runs when the service is removed',
      );
    }
  }
  return issues;
}
