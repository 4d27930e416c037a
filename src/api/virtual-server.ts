import { z } from 'zod';
import { parseIP } from './address.js';
import { addressOf } from './address-policy.js';
import { command, conditions, duration, labelSelector, listMapKeys, MAX_LIST, objectName, port } from './primitives.js';
import { withRules, type CrossFieldRule } from './rules.js';
import { HealthChecksSchema } from './health-check.js';
import { ACCEPT_VIP_MODES, FORWARDING_METHODS, HEALTH_STATES, InlineRealServerSchema } from './real-server.js';

/** How the director checks that DR real servers accept the VIP (src/health/vip-path-check.ts). */
export const VIP_PATH_CHECK_MODES = ['Auto', 'Enabled', 'Disabled'] as const;
export type VipPathCheckMode = (typeof VIP_PATH_CHECK_MODES)[number];

/** Every scheduler of IPVS (net/netfilter/ipvs/ip_vs_*.c). */
export const SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
  'twos',
] as const;
export type Scheduler = (typeof SCHEDULERS)[number];
/** Schedulers that look only at weight 0 versus non-zero. */
export const UNWEIGHTED_SCHEDULERS: readonly Scheduler[] = ['rr', 'lc', 'dh'];
/** IP_VS_SVC_F_SCHED_SH_* and _MH_* (include/uapi/linux/ip_vs.h). */
export const SCHEDULER_FLAGS = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;

export const ServiceAddressSchema = z.strictObject({
  ip: addressOf('vip').describe('Virtual IP.'),
  port: port().describe('Virtual port; 0 means every port and needs persistence.'),
});

const VirtualServerSpecBase = z.strictObject({
  addresses: z
    .array(ServiceAddressSchema)
    .max(MAX_LIST)
    .optional()
    .describe('VIP:port pairs sharing this configuration (virtual_server, or the members of a virtual_server_group).'),
  fwmark: z
    .int()
    .min(1)
    .max(4294967295)
    .optional()
    .describe('Firewall mark instead of addresses (virtual_server fwmark).'),
  family: z.enum(['IPv4', 'IPv6']).default('IPv4').describe('Address family of a fwmark service.'),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP').describe('Protocol (protocol); default TCP.'),
  scheduler: z.enum(SCHEDULERS).default('wlc').describe('IPVS scheduler (lvs_sched / lb_algo); default wlc.'),
  schedulerFlags: z.array(z.enum(SCHEDULER_FLAGS)).max(4).optional().describe('Flags of the sh and mh schedulers.'),
  onePacket: z.boolean().default(false).describe('One-packet scheduling for UDP (ops).'),
  forwarding: z
    .enum(FORWARDING_METHODS)
    .default('NAT')
    .describe('DR (direct routing), NAT (masquerade) or TUN (tunnel) (lvs_method / lb_kind); default NAT.'),
  tunnel: z
    .strictObject({
      type: z.enum(['IPIP', 'GUE', 'GRE']).default('IPIP').describe('Encapsulation.'),
      port: port().optional().describe('Destination UDP port, for GUE.'),
      checksum: z.enum(['None', 'Checksum', 'RemoteChecksum']).default('None').describe('GUE/GRE checksum mode.'),
    })
    .optional()
    .describe('Tunnel settings for TUN forwarding.'),
  persistence: z
    .strictObject({
      timeout: duration(1000, 2_678_400_000)
        .default('360s')
        .describe('Persistence timeout (persistence_timeout); default 360s.'),
      granularity: z
        .int()
        .min(0)
        .max(128)
        .optional()
        .describe('Prefix length that clients are grouped by (persistence_granularity).'),
      engine: z.string().max(16).optional().describe('Persistence engine, e.g. sip (persistence_engine).'),
    })
    .optional()
    .describe('Send a client to the same real server for a while.'),
  vrrpGroupRef: z
    .strictObject({ name: objectName() })
    .optional()
    .describe('VrrpGroup (same namespace) whose master serves the VIPs.'),
  programOn: z
    .enum(['Always', 'Master'])
    .default('Always')
    .describe('Program IPVS on every director (Always, ready for failover, as keepalived) or only on the VRRP master.'),
  realServers: z
    .array(InlineRealServerSchema)
    .max(1024)
    .optional()
    .describe('Real servers written inline (real_server).'),
  realServerSelector: labelSelector().optional().describe('Selects RealServer objects in this namespace.'),
  healthChecks: HealthChecksSchema.optional().describe('Default checks for real servers without their own.'),
  inhibitOnFailure: z
    .boolean()
    .default(false)
    .describe('Set a failed server weight 0 (connections drain) instead of removing it (inhibit_on_failure).'),
  sorryServer: z
    .strictObject({
      address: addressOf('backend'),
      port: port().optional(),
      forwarding: z.enum(FORWARDING_METHODS).optional(),
      inhibit: z
        .boolean()
        .default(false)
        .describe('Keep it in the table at weight 0 while not needed (sorry_server_inhibit).'),
    })
    .optional()
    .describe('Server used when fewer than quorum real servers are up (sorry_server).'),
  quorum: z.int().min(1).max(65535).default(1).describe('Minimum total weight of up servers (quorum); default 1.'),
  hysteresis: z.int().min(0).max(65535).default(0).describe('Tolerance around quorum before switching (hysteresis).'),
  notify: z
    .strictObject({
      quorumUp: command().optional().describe('Run when quorum is gained (quorum_up).'),
      quorumDown: command().optional().describe('Run when quorum is lost (quorum_down).'),
    })
    .optional(),
  alpha: z.boolean().default(false).describe('Start every server as down until its first check passes (alpha).'),
  omega: z
    .boolean()
    .default(false)
    .describe('Run notify down for servers removed with the service (omega). Not acted on yet: reported as a warning.'),
  haSuspend: z.boolean().default(false).describe('Suspend checks while this node does not hold the VIP (ha_suspend).'),
  vipPathCheck: z
    .enum(VIP_PATH_CHECK_MODES)
    .default('Auto')
    .describe(
      'Send each DR real server a TCP SYN for VIP:port on the link (TUN with IPIP: inside IPIP to its address), as IPVS forwards a client, and take it out when it does not answer (no VIP on lo, tunl0 or REDIRECT rule). Auto (default): TCP services, real servers with checks, skipped where it cannot run (no CAP_NET_RAW, a DR server not on a connected segment); Enabled: every DR and TUN real server, a probe that cannot run marks it down; Disabled: off.',
    ),
});

type Spec = z.output<typeof VirtualServerSpecBase>;

const fam = (ip: string) => parseIP(ip)?.family;
const serviceFamily = (s: Spec): 4 | 6 | undefined =>
  s.fwmark !== undefined ? (s.family === 'IPv6' ? 6 : 4) : s.addresses?.[0] ? fam(s.addresses[0].ip) : undefined;
const forwardingOf = (s: Spec, rs: { forwarding?: string | undefined }) => rs.forwarding ?? s.forwarding;

const virtualServerRules: CrossFieldRule<Spec>[] = [
  {
    path: ['addresses'],
    message: 'set exactly one of addresses (VIP:port pairs) or fwmark',
    cel: '(has(self.addresses) && size(self.addresses) > 0) != has(self.fwmark)',
    holds: (s) => (s.addresses !== undefined && s.addresses.length > 0) !== (s.fwmark !== undefined),
  },
  {
    path: ['addresses'],
    message: 'port 0 (every port) needs persistence',
    cel: '!has(self.addresses) || has(self.persistence) || self.addresses.all(a, a.port != 0)',
    holds: (s) => s.persistence !== undefined || (s.addresses ?? []).every((a) => a.port !== 0),
  },
  {
    path: ['schedulerFlags'],
    message: 'sh-* flags need scheduler sh and mh-* flags need scheduler mh',
    cel: "!has(self.schedulerFlags) || self.schedulerFlags.all(f, f.startsWith(self.scheduler + '-'))",
    holds: (s) => (s.schedulerFlags ?? []).every((f) => f.startsWith(`${s.scheduler}-`)),
  },
  {
    path: ['onePacket'],
    message: 'onePacket scheduling applies to UDP only',
    cel: "!self.onePacket || self.protocol == 'UDP'",
    holds: (s) => !s.onePacket || s.protocol === 'UDP',
  },
  {
    path: ['tunnel'],
    message: 'tunnel settings need forwarding: TUN',
    cel: "!has(self.tunnel) || self.forwarding == 'TUN'",
    holds: (s) => s.tunnel === undefined || s.forwarding === 'TUN',
  },
  {
    path: ['tunnel', 'port'],
    message: 'tunnel type GUE needs a port, and only GUE takes one',
    cel: "!has(self.tunnel) || (self.tunnel.type == 'GUE') == has(self.tunnel.port)",
    holds: (s) => s.tunnel === undefined || (s.tunnel.type === 'GUE') === (s.tunnel.port !== undefined),
  },
  {
    path: ['tunnel', 'checksum'],
    message: 'tunnel checksum options apply to GUE and GRE, not IPIP',
    cel: "!has(self.tunnel) || self.tunnel.type != 'IPIP' || self.tunnel.checksum == 'None'",
    holds: (s) => s.tunnel === undefined || s.tunnel.type !== 'IPIP' || s.tunnel.checksum === 'None',
  },
  {
    path: ['persistence', 'granularity'],
    message: 'persistence granularity of an IPv4 service is a prefix length of at most 32',
    cel: "!has(self.persistence) || !has(self.persistence.granularity) || self.persistence.granularity <= 32 || (has(self.addresses) ? self.addresses.all(a, a.ip.contains(':')) : self.family == 'IPv6')",
    holds: (s) => (s.persistence?.granularity ?? 0) <= 32 || serviceFamily(s) === 6,
  },
  {
    path: ['realServers'],
    message:
      'weights above 1 have no effect with scheduler rr, lc or dh (only 0 versus non-zero counts); use wrr or wlc',
    cel: "!(self.scheduler in ['rr', 'lc', 'dh']) || !has(self.realServers) || self.realServers.all(r, r.weight <= 1)",
    holds: (s) => !UNWEIGHTED_SCHEDULERS.includes(s.scheduler) || (s.realServers ?? []).every((r) => r.weight <= 1),
  },
  {
    path: ['realServers'],
    message: 'DR and NAT real servers must have the address family of the service; only TUN may mix',
    cel: "!has(self.realServers) || !has(self.addresses) || self.realServers.all(r, (has(r.forwarding) ? r.forwarding : self.forwarding) == 'TUN' || r.address.contains(':') == self.addresses[0].ip.contains(':'))",
    holds: (s) =>
      (s.realServers ?? []).every(
        (r) => forwardingOf(s, r) === 'TUN' || serviceFamily(s) === undefined || fam(r.address) === serviceFamily(s),
      ),
  },
  {
    path: ['realServers'],
    message: 'acceptVIP mode Tunnel is for TUN forwarding; DR uses Loopback or IptablesRedirect',
    cel: "!has(self.realServers) || self.realServers.all(r, !has(r.acceptVIP) || r.acceptVIP.mode != 'Tunnel' || (has(r.forwarding) ? r.forwarding : self.forwarding) == 'TUN')",
    holds: (s) => (s.realServers ?? []).every((r) => r.acceptVIP?.mode !== 'Tunnel' || forwardingOf(s, r) === 'TUN'),
  },
  {
    path: ['programOn'],
    message: 'programOn: Master needs a vrrpGroupRef (which master?)',
    cel: "self.programOn == 'Always' || has(self.vrrpGroupRef)",
    holds: (s) => s.programOn === 'Always' || s.vrrpGroupRef !== undefined,
  },
  {
    path: ['vipPathCheck'],
    message: 'vipPathCheck: Enabled needs protocol TCP and addresses (the probe is a TCP SYN to VIP:port)',
    cel: "self.vipPathCheck != 'Enabled' || (self.protocol == 'TCP' && has(self.addresses) && size(self.addresses) > 0)",
    holds: (s) =>
      s.vipPathCheck !== 'Enabled' || (s.protocol === 'TCP' && s.addresses !== undefined && s.addresses.length > 0),
  },
  {
    path: ['haSuspend'],
    message: 'haSuspend needs a vrrpGroupRef (it follows the VIP)',
    cel: '!self.haSuspend || has(self.vrrpGroupRef)',
    holds: (s) => !s.haSuspend || s.vrrpGroupRef !== undefined,
  },
];

export const VirtualServerSpecSchema = withRules(VirtualServerSpecBase, virtualServerRules).describe(
  'An IPVS virtual service (virtual_server): VIP:port pairs or a fwmark, a scheduler, a forwarding method and real servers.',
);
export type VirtualServerSpec = z.output<typeof VirtualServerSpecSchema>;

export const VirtualServerStatusSchema = z.strictObject({
  observedGeneration: z.int().min(0).optional(),
  ready: z.string().max(32).optional().describe('Up real servers over all, e.g. "2/2".'),
  master: z.string().max(253).optional().describe('Director that is VRRP master for the VIPs.'),
  realServers: z
    .array(
      z.strictObject({
        address: z.string().max(45),
        port: port(),
        director: z.string().max(253),
        health: z.enum(HEALTH_STATES),
        weight: z.int().min(0).max(65535).describe('Weight as programmed in the kernel.'),
        reason: z.string().max(1024).optional(),
        since: z.string().max(64).optional(),
        latencySeconds: z.number().min(0).optional(),
      }),
    )
    .max(4096)
    .meta(listMapKeys('address', 'port', 'director'))
    .optional(),
  realServerVips: z
    .array(
      z.strictObject({
        node: z.string().max(253).describe('Node whose realserver role reports.'),
        address: z.string().max(45).describe('The inline real server (its address) on that node.'),
        vip: z.string().max(45),
        mode: z.enum(ACCEPT_VIP_MODES),
        configured: z.boolean(),
        message: z.string().max(1024).optional(),
      }),
    )
    .max(MAX_LIST)
    .meta(listMapKeys('node', 'address', 'vip'))
    .optional()
    .describe(
      'VIPs the realserver role has (or could not) set up for the inline real servers; RealServer objects report in their own status.vips.',
    ),
  counters: z
    .strictObject({
      connections: z.int().min(0),
      packetsIn: z.int().min(0),
      packetsOut: z.int().min(0),
      bytesIn: z.int().min(0),
      bytesOut: z.int().min(0),
    })
    .optional()
    .describe("The kernel's counters for the service, summed over addresses, on the master."),
  conditions: conditions().optional(),
});
export type VirtualServerStatus = z.output<typeof VirtualServerStatusSchema>;
