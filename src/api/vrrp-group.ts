import { z } from 'zod';
import { parseAddressWithPrefix, parseIP } from './address.js';
import { addressOf } from './address-policy.js';
import { parseDurationMs } from './duration.js';
import {
  command,
  conditions,
  duration,
  interfaceName,
  labelSelector,
  listMapKeys,
  MAX_LIST,
  objectName,
  secretKeyRef,
} from './primitives.js';
import { keyedList, withRules, type CrossFieldRule } from './rules.js';

export const VirtualIPSchema = z.strictObject({
  address: addressOf('vrrpVip').describe(
    'Address with optional prefix length (a host prefix when omitted), e.g. 10.0.0.1/24.',
  ),
  interface: interfaceName()
    .optional()
    .describe('Device to add it to (dev); default the group interface. Only the group interface is acted on yet.'),
  label: z
    .string()
    .max(15, 'labels have at most 15 characters (IFNAMSIZ)')
    .optional()
    .describe(
      'Address label such as "eth1:0" (label), for tools that show aliases. Not acted on yet: the agent labels VIPs <iface>:vrrp<vrid>.',
    ),
});

const weight = () => z.int().min(-253).max(253);

export const TrackScriptSchema = z.strictObject({
  name: objectName().describe('Name of the script (vrrp_script), used in logs and status.'),
  command: command().describe('Program and arguments (script); exit 0 means success.'),
  interval: duration(10, 86_400_000).default('1s').describe('Time between runs (interval); default 1s.'),
  timeout: duration(10, 86_400_000)
    .optional()
    .describe('Kill the script after this long (timeout); default the interval.'),
  rise: z.int().min(1).max(1000).default(1).describe('Successes before it counts as up (rise).'),
  fall: z.int().min(1).max(1000).default(1).describe('Failures before it counts as down (fall).'),
  weight: weight()
    .default(0)
    .describe('Added to the priority while up (>0) or down (<0); 0 puts the group in FAULT when down.'),
  user: z.string().max(64).optional().describe('Run as this user.'),
});

export const VrrpNodeSchema = z.strictObject({
  name: objectName().describe('Node name (Kubernetes node, or --node of a standalone agent).'),
  priority: z.int().min(1).max(255).optional().describe('Priority on this node, overriding spec.priority.'),
  interface: interfaceName().optional().describe('Interface on this node, overriding spec.interface.'),
  unicastSourceIP: addressOf('peer').optional().describe('Source address for unicast adverts on this node.'),
});

const VrrpGroupSpecBase = z.strictObject({
  virtualRouterId: z
    .int()
    .min(1)
    .max(255)
    .describe('VRID (virtual_router_id), unique per interface and address family.'),
  version: z
    .literal([2, 3])
    .default(2)
    .describe('VRRP version: 2 (RFC 3768, IPv4, keepalived default) or 3 (RFC 5798).'),
  interface: interfaceName().describe('Interface the adverts go out on (interface).'),
  priority: z
    .int()
    .min(1)
    .max(255)
    .default(100)
    .describe('Priority 1-255 (priority); 255 means address owner. Default 100.'),
  nodes: keyedList(VrrpNodeSchema, 'name', MAX_LIST)
    .optional()
    .describe('Per-node overrides of priority, interface, unicast source.'),
  advertInterval: duration(10, 255_000)
    .default('1s')
    .describe(
      'Advertisement interval (advert_int): whole seconds 1-255 for version 2, 10ms-40.95s in 10ms steps for version 3.',
    ),
  preempt: z
    .boolean()
    .default(false)
    .describe('Take over from a lower-priority master. Default false (nopreempt), as the seeds recommend.'),
  preemptDelay: duration(0, 1_000_000)
    .default('0s')
    .describe('Wait this long after start before preempting (preempt_delay), 0-1000s.'),
  acceptMode: z
    .boolean()
    .default(true)
    .describe('Accept packets to the VIPs when not the address owner (accept); keepalived default.'),
  nodeSelector: labelSelector().optional().describe('Nodes that run this group; default all director nodes.'),
  virtualIPs: z
    .array(VirtualIPSchema)
    .min(1, 'a VrrpGroup needs at least one virtual IP')
    .max(MAX_LIST)
    .describe('Addresses held by the master (virtual_ipaddress).'),
  excludedVirtualIPs: z
    .array(VirtualIPSchema)
    .max(MAX_LIST)
    .optional()
    .describe(
      'Addresses held by the master but not listed in adverts (virtual_ipaddress_excluded). Not acted on yet: reported as a warning.',
    ),
  unicastPeers: z
    .array(addressOf('peer'))
    .max(MAX_LIST)
    .optional()
    .describe('Send adverts to these peers instead of multicast (unicast_peer).'),
  unicastSourceIP: addressOf('peer')
    .optional()
    .describe('Source of unicast adverts (unicast_src_ip); default the interface primary address.'),
  authentication: z
    .strictObject({
      type: z.enum(['PASS']).describe('PASS: simple password (RFC 2338 auth type 1); version 2 only.'),
      secretRef: secretKeyRef().describe('Where the password is; at most 8 characters are sent.'),
    })
    .optional()
    .describe('Advert authentication (authentication); the password is read from a Secret, never written in the spec.'),
  trackInterfaces: keyedList(
    z.strictObject({
      name: interfaceName(),
      weight: weight().default(0).describe('0: FAULT when down; else added to the priority when down.'),
    }),
    'name',
    64,
  )
    .optional()
    .describe('Interfaces whose link state affects this group (track_interface).'),
  trackScripts: keyedList(TrackScriptSchema, 'name', 64)
    .optional()
    .describe('Scripts whose result affects this group (track_script).'),
  garp: z
    .strictObject({
      masterDelay: duration(0, 3_600_000)
        .default('5s')
        .describe('Second burst of gratuitous ARPs this long after becoming master (garp_master_delay); 0 disables.'),
      masterRepeat: z.int().min(1).max(255).default(5).describe('Gratuitous ARPs per burst (garp_master_repeat).'),
      masterRefresh: duration(0, 86_400_000)
        .default('0s')
        .describe('Repeat a burst this often while master (garp_master_refresh); 0 disables.'),
      masterRefreshRepeat: z
        .int()
        .min(1)
        .max(255)
        .default(1)
        .describe('Gratuitous ARPs per refresh (garp_master_refresh_repeat).'),
      interval: duration(0, 1000).default('0s').describe('Gap between the ARPs of one burst (garp_interval).'),
    })
    .default({ masterDelay: '5s', masterRepeat: 5, masterRefresh: '0s', masterRefreshRepeat: 1, interval: '0s' })
    .describe('Gratuitous ARP / unsolicited NA settings.'),
  notify: z
    .strictObject({
      master: command().optional().describe('Run on becoming MASTER (notify_master).'),
      backup: command().optional().describe('Run on becoming BACKUP (notify_backup).'),
      fault: command().optional().describe('Run on entering FAULT (notify_fault).'),
      stop: command().optional().describe('Run when the instance stops (notify_stop).'),
      any: command().optional().describe('Run on every transition with "GROUP" name state priority appended (notify).'),
    })
    .optional()
    .describe('Commands run on state changes.'),
  syncGroup: objectName()
    .optional()
    .describe(
      'Groups with the same syncGroup on a node change state together (vrrp_sync_group). Not acted on yet: reported as a warning.',
    ),
  connectionSync: z
    .strictObject({
      enabled: z.boolean().default(true),
      interface: interfaceName().optional().describe('Interface of the IPVS sync daemon; default the group interface.'),
      syncId: z.int().min(0).max(255).optional().describe('Sync ID; default the VRID.'),
    })
    .optional()
    .describe(
      'Run the IPVS connection sync daemon as master/backup following this group (lvs_sync_daemon), so connections survive failover.',
    ),
});

type Spec = z.output<typeof VrrpGroupSpecBase>;

const allVipFamilies = (s: Spec) =>
  [...s.virtualIPs, ...(s.excludedVirtualIPs ?? [])].map((v) => parseAddressWithPrefix(v.address)?.ip.family);
const ms = (d: string) => parseDurationMs(d) ?? Number.NaN;

const vrrpGroupRules: CrossFieldRule<Spec>[] = [
  {
    path: ['virtualIPs'],
    message: 'IPv6 virtual IPs need version: 3 (VRRPv2 carries IPv4 only)',
    cel: "self.version == 3 || self.virtualIPs.all(v, !v.address.contains(':'))",
    holds: (s) => s.version === 3 || s.virtualIPs.every((v) => !v.address.includes(':')),
  },
  {
    path: ['virtualIPs'],
    message: 'virtual IPs of one group must be all IPv4 or all IPv6; use a second group for the other family',
    cel: "self.virtualIPs.all(v, v.address.contains(':')) || self.virtualIPs.all(v, !v.address.contains(':'))",
    holds: (s) => new Set(s.virtualIPs.map((v) => v.address.includes(':'))).size <= 1,
  },
  {
    path: ['excludedVirtualIPs'],
    message: 'IPv6 excluded virtual IPs need version: 3',
    cel: "self.version == 3 || !has(self.excludedVirtualIPs) || self.excludedVirtualIPs.all(v, !v.address.contains(':'))",
    holds: (s) => s.version === 3 || allVipFamilies(s).every((f) => f !== 6),
  },
  {
    path: ['authentication'],
    message: 'authentication PASS exists only in VRRP version 2; remove it or set version: 2',
    cel: '!has(self.authentication) || self.version == 2',
    holds: (s) => s.authentication === undefined || s.version === 2,
  },
  {
    path: ['advertInterval'],
    message: 'version 2 advertInterval must be whole seconds from 1s to 255s',
    cel: "self.version == 3 || (duration(self.advertInterval) >= duration('1s') && duration(self.advertInterval).getMilliseconds() % 1000 == 0)",
    holds: (s) => s.version === 3 || (ms(s.advertInterval) >= 1000 && ms(s.advertInterval) % 1000 === 0),
  },
  {
    path: ['advertInterval'],
    message: 'version 3 advertInterval must be 10ms to 40.95s in steps of 10ms',
    cel: "self.version == 2 || (duration(self.advertInterval) <= duration('40950ms') && duration(self.advertInterval).getMilliseconds() % 10 == 0)",
    holds: (s) => s.version === 2 || (ms(s.advertInterval) <= 40_950 && ms(s.advertInterval) % 10 === 0),
  },
  {
    path: ['preemptDelay'],
    message: 'preemptDelay needs preempt: true (without preemption there is nothing to delay)',
    cel: "self.preempt || duration(self.preemptDelay) == duration('0s')",
    holds: (s) => s.preempt || ms(s.preemptDelay) === 0,
  },
  {
    path: ['unicastPeers'],
    message: 'unicast peers must be of the same address family as the virtual IPs',
    cel: "!has(self.unicastPeers) || self.unicastPeers.all(p, p.contains(':') == self.virtualIPs[0].address.contains(':'))",
    holds: (s) =>
      (s.unicastPeers ?? []).every(
        (p) => parseIP(p)?.family === parseAddressWithPrefix(s.virtualIPs[0]?.address ?? '')?.ip.family,
      ),
  },
];

export const VrrpGroupSpecSchema = withRules(VrrpGroupSpecBase, vrrpGroupRules).describe(
  'A VRRP instance (vrrp_instance): the nodes it selects elect a master that holds the virtual IPs.',
);
export type VrrpGroupSpec = z.output<typeof VrrpGroupSpecSchema>;

export const VRRP_STATES = ['Initialize', 'Backup', 'Master', 'Fault', 'Stopped'] as const;

export const VrrpGroupStatusSchema = z.strictObject({
  observedGeneration: z.int().min(0).optional(),
  master: z.string().max(253).optional().describe('Node that is MASTER now.'),
  nodes: z
    .array(
      z.strictObject({
        node: z.string().max(253),
        state: z.enum(VRRP_STATES),
        effectivePriority: z.int().min(0).max(255),
        lastTransitionTime: z.string().max(64).optional(),
        reason: z.string().max(256).optional(),
      }),
    )
    .max(MAX_LIST)
    .meta(listMapKeys('node'))
    .optional()
    .describe('State and effective priority on every node running the group.'),
  transitions: z.int().min(0).optional().describe('State transitions seen since the group was created.'),
  conditions: conditions().optional(),
});
export type VrrpGroupStatus = z.output<typeof VrrpGroupStatusSchema>;
