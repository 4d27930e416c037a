/**
 * The director pair both implementations run in the failover comparison, written once as a
 * keepalived.conf: keepalived reads it as it is, lvs-operator reads the manifests that
 * `lvsctl import` makes of it (the migration path users take), so both get the same settings.
 *
 *   client 10.0.0.100   dir1 10.0.0.2   dir2 10.0.0.3   web1 10.0.0.5   web2 10.0.0.6
 *   VIP 10.0.0.1 (VRID 51, both directors BACKUP with priority 100 and nopreempt),
 *   service 10.0.0.1:80 rr DR, HTTP_GET /health_check.html every 1 s with inhibit_on_failure
 */
import { formatDiagnostic, importKeepalived, memorySource, renderManifests } from '../../src/keepalived/index.js';

export const VIP = '10.0.0.1';
export const DIRECTORS = ['dir1', 'dir2'] as const;
export const WEBS = { web1: '10.0.0.5', web2: '10.0.0.6' } as const;

/** What varies between scenarios. */
export interface PairSettings {
  /** VRRP version: 2 (adverts in whole seconds) or 3 (centiseconds). */
  readonly version: 2 | 3;
  /** The advert interval in ms (1000 in keepalived's default setup, 100 for fast takeover). */
  readonly advertMs: number;
  /** The IPVS connection sync daemon following VRRP (keepalived's `lvs_sync_daemon`). */
  readonly sync: boolean;
}

/** keepalived.conf of one director. Both directors run the same file but for router_id. */
export function keepalivedConf(node: string, s: PairSettings): string {
  const global = [`  router_id ${node}`, `  vrrp_version ${s.version}`];
  if (s.sync) global.push('  lvs_sync_daemon eth0 VI_1');
  const realServer = (address: string): string => `  real_server ${address} 80 {
    weight 1
    inhibit_on_failure
    HTTP_GET {
      url {
        path /health_check.html
        status_code 200
      }
      connect_timeout 1
    }
  }`;
  return `global_defs {
${global.join('\n')}
}

vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  nopreempt
  advert_int ${s.advertMs / 1000}
  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
}

virtual_server ${VIP} 80 {
  delay_loop 1
  lvs_sched rr
  lvs_method DR
  protocol TCP
${Object.values(WEBS).map(realServer).join('\n')}
}
`;
}

/**
 * The manifests lvs-operator runs: `lvsctl import` of the same keepalived.conf. Anything the
 * import does not carry is an error here, so the two runs cannot silently differ.
 */
export function operatorManifests(s: PairSettings): string {
  const conf = keepalivedConf('dir1', s);
  const result = importKeepalived('keepalived.conf', memorySource({ 'keepalived.conf': conf }));
  // router_id is a note (it names the host in e-mail alerts); anything else must carry.
  const lost = result.diagnostics.filter((d) => d.severity !== 'note');
  if (lost.length > 0) {
    throw new Error(`the import does not carry the benchmark's config: ${lost.map(formatDiagnostic).join('; ')}`);
  }
  return renderManifests(result.objects, result.files);
}
