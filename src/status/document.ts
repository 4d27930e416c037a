/**
 * The node status document: what a director or standalone agent serves at `GET /status` on its
 * metrics listener, and what `lvsctl status` (and the demo's probe) parse. This schema is the
 * one definition of the document; readers parse the response with it, once, at the edge.
 *
 * Nothing secret is in it: VRRP instances carry no authentication, real servers no check
 * settings (a MISC command line or an HTTP header can hold a password).
 */
import { z } from 'zod';

/** Bumped when a field changes meaning or goes; new optional fields keep the version. */
export const STATUS_DOCUMENT_VERSION = 1;

/** The node roles a process can run. */
export const NODE_ROLES = ['director', 'realserver'] as const;

const isoTime = () => z.iso.datetime({ offset: true });
const count = () => z.number().int().nonnegative();
/** Kernel counters are 64-bit; JSON numbers keep them exactly up to 2^53. */
const rate = () => z.number().nonnegative();

/** "Kind namespace/name" of an object the node runs. */
export const StatusObjectSchema = z.object({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});

/** One VRRP instance (a VrrpGroup this node runs). */
export const VrrpInstanceStatusSchema = z.object({
  /** "namespace/name" of the VrrpGroup. */
  group: z.string(),
  vrid: z.number().int(),
  interface: z.string(),
  /** MASTER, BACKUP, FAULT or INIT. */
  state: z.string(),
  /** The configured priority (per-node override applied). */
  priority: z.number().int(),
  /** The priority now, tracking applied (0 while stopping). */
  effectivePriority: z.number().int(),
  /** "self" when this node is master, the master's address when known. */
  master: z.string().optional(),
  /** Address/prefix of each VIP. */
  virtualIPs: z.array(z.string()),
  /** Configured VIPs found on the node that it did not add: left alone. */
  vipConflicts: z.array(z.string()).optional(),
  /** When this process last saw the state change. */
  since: isoTime().optional(),
});

/** The kernel's rate estimators (per second, as `ipvsadm -L --rate`). */
export const IpvsRatesSchema = z.object({
  cps: rate(),
  inPps: rate(),
  outPps: rate(),
  inBps: rate(),
  outBps: rate(),
});

/** Cumulative counters (as `ipvsadm -L --stats`). */
export const IpvsTotalsSchema = z.object({
  conns: rate(),
  inPkts: rate(),
  outPkts: rate(),
  inBytes: rate(),
  outBytes: rate(),
});

export const IpvsDestinationStatusSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  /** Route, Masq, Tunnel, Local or Bypass, as ipvsadm prints it. */
  forwarding: z.string(),
  weight: count(),
  activeConns: count(),
  inactiveConns: count(),
  rates: IpvsRatesSchema,
  totals: IpvsTotalsSchema,
});

/** One IPVS service of the kernel table (all of them, ours or not). */
export const IpvsServiceStatusSchema = z.object({
  /** TCP, UDP, SCTP or FWM. */
  protocol: z.string(),
  /** Address and port for TCP/UDP/SCTP. */
  address: z.string().optional(),
  port: z.number().int().optional(),
  fwmark: z.number().int().optional(),
  family: z.enum(['inet', 'inet6']),
  scheduler: z.string(),
  /** "namespace/name" of the VirtualServer this node programs it for; absent: not ours. */
  virtualServer: z.string().optional(),
  rates: IpvsRatesSchema,
  totals: IpvsTotalsSchema,
  destinations: z.array(IpvsDestinationStatusSchema),
});

/** One real server of a VirtualServer, as this director's checks see it. */
export const RealServerHealthStatusSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  /** The RealServer object, "namespace/name"; absent for a server written inline. */
  realServer: z.string().optional(),
  health: z.enum(['Up', 'Down', 'Unknown']),
  /** The failing check's reason and detail, or why the server takes no traffic. */
  reason: z.string().optional(),
  since: isoTime().optional(),
  /** The weight the table gives it now (0 while down or not programmed here). */
  weight: count(),
  /** The weight its spec asks for. */
  configuredWeight: count(),
});

/** A destination that left the spec (or failed) at weight 0, waiting for its connections. */
export const DrainingDestinationSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  activeConns: count(),
  inactiveConns: count(),
  /** Milliseconds it has drained so far. */
  drainingMs: count(),
});

export const VirtualServerStatusSchema = z.object({
  /** "namespace/name". */
  virtualServer: z.string(),
  /** Whether its IPVS services are in the table on this node now (programOn, VRRP state). */
  programmed: z.boolean(),
  realServers: z.array(RealServerHealthStatusSchema),
  draining: z.array(DrainingDestinationSchema),
});

/** A VIP this node accepts for DR/TUN traffic to one of its real servers. */
export const AcceptedVipSchema = z.object({
  vip: z.string(),
  /** Loopback, IptablesRedirect, Tunnel or None. */
  mode: z.string(),
  /** Whether the kernel has everything the mode needs. */
  configured: z.boolean(),
  message: z.string().optional(),
  /** The real server's address on this node. */
  address: z.string(),
  virtualServer: z.string(),
  realServer: z.string().optional(),
});

/** A condition or issue the node reports on one object. */
export const StatusConditionSchema = z.object({
  object: StatusObjectSchema,
  /** PascalCase: InvalidSpec, SecretNotFound, CommandRefused, ServiceConflict... */
  reason: z.string(),
  message: z.string(),
  since: isoTime().optional(),
});

/** One recorded Event (newest last in the document). */
export const StatusEventSchema = z.object({
  time: isoTime(),
  type: z.enum(['Normal', 'Warning']),
  reason: z.string(),
  object: StatusObjectSchema,
  note: z.string(),
});

export const NodeStatusDocumentSchema = z.object({
  version: z.literal(STATUS_DOCUMENT_VERSION),
  node: z.string(),
  roles: z.array(z.enum(NODE_ROLES)),
  time: isoTime(),
  /** The director role's part; absent where it does not run. */
  director: z
    .object({
      vrrp: z.array(VrrpInstanceStatusSchema),
      ipvs: z.array(IpvsServiceStatusSchema),
      /** Why the IPVS table could not be read (then `ipvs` is empty). */
      ipvsError: z.string().optional(),
      virtualServers: z.array(VirtualServerStatusSchema),
    })
    .optional(),
  /** The realserver role's part; absent where it does not run. */
  realserver: z.object({ vips: z.array(AcceptedVipSchema) }).optional(),
  conditions: z.array(StatusConditionSchema),
  events: z.array(StatusEventSchema),
});

export type NodeStatusDocument = z.infer<typeof NodeStatusDocumentSchema>;
export type NodeRole = (typeof NODE_ROLES)[number];
export type StatusObject = z.infer<typeof StatusObjectSchema>;
export type VrrpInstanceStatus = z.infer<typeof VrrpInstanceStatusSchema>;
export type IpvsRates = z.infer<typeof IpvsRatesSchema>;
export type IpvsTotals = z.infer<typeof IpvsTotalsSchema>;
export type IpvsServiceStatus = z.infer<typeof IpvsServiceStatusSchema>;
export type IpvsDestinationStatus = z.infer<typeof IpvsDestinationStatusSchema>;
export type VirtualServerHealthStatus = z.infer<typeof VirtualServerStatusSchema>;
export type RealServerHealthStatus = z.infer<typeof RealServerHealthStatusSchema>;
export type AcceptedVip = z.infer<typeof AcceptedVipSchema>;
export type StatusCondition = z.infer<typeof StatusConditionSchema>;
export type StatusEvent = z.infer<typeof StatusEventSchema>;
export type DirectorStatusSection = NonNullable<NodeStatusDocument['director']>;

/** Why a response is not a status document this version reads. */
export type StatusDocumentParse =
  { readonly ok: true; readonly document: NodeStatusDocument } | { readonly ok: false; readonly problem: string };

/** Parses a response body (already JSON-decoded) into a document. */
export function parseStatusDocument(body: unknown): StatusDocumentParse {
  const r = NodeStatusDocumentSchema.safeParse(body);
  if (r.success) return { ok: true, document: r.data };
  const first = r.error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return {
    ok: false,
    problem: `not a status document of version ${STATUS_DOCUMENT_VERSION}: ${where}${first?.message ?? 'invalid'}`,
  };
}
