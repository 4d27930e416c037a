/**
 * The normalised model: what the roles consume. Every address is parsed (one codec), every
 * duration is in milliseconds, references and label selectors are resolved to the objects
 * they name, Secrets are resolved to their values, health checks are normalised probes. Past
 * this point nothing parses text; what could not be normalised is an issue on its entry.
 */
import type {
  AcceptVipSchema,
  ForwardingMethod,
  LabelSelector,
  Scheduler,
  VipPathCheckMode,
  VirtualServerSpec,
  VrrpGroupSpec,
  ParsedIP,
} from '../api/index.js';
import type { HealthProbe } from '../health/index.js';
import type { BackendKey, ObjectRef } from './refs.js';
import type { z } from 'zod';

/** A field path inside an object, as zod and the API report it. */
export type FieldPath = readonly (string | number)[];

/** Something in one object the model could not normalise; the entry it belongs to carries it. */
export interface ModelIssue {
  readonly object: ObjectRef;
  readonly path: FieldPath;
  readonly message: string;
  /** May resolve by itself (a Secret that appears later). */
  readonly transient: boolean;
}

/** An address with its prefix length (a host prefix when the manifest gave none). */
export interface Prefix {
  readonly address: ParsedIP;
  readonly prefixLength: number;
}

/** A command from an object: program and arguments. */
export type Argv = readonly string[];

/** The VRRP settings a node override may change. */
export interface GroupNodeOverride {
  readonly name: string;
  readonly priority?: number;
  readonly interface?: string;
  readonly unicastSource?: ParsedIP;
}

export interface TrackScriptModel {
  readonly name: string;
  readonly command: Argv;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly weight: number;
}

/** A VrrpGroup, normalised. */
export interface GroupModel {
  readonly ref: ObjectRef;
  /** The directors that run it; absent: every director. */
  readonly nodeSelector?: LabelSelector;
  readonly nodes: readonly GroupNodeOverride[];
  readonly virtualRouterId: number;
  readonly version: 2 | 3;
  readonly interface: string;
  readonly priority: number;
  readonly advertIntervalMs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly acceptMode: boolean;
  readonly virtualIPs: readonly Prefix[];
  /** Family of the VIPs (the schema keeps a group to one). */
  readonly family: 4 | 6;
  readonly excludedVirtualIPs: readonly Prefix[];
  readonly unicastPeers: readonly ParsedIP[];
  readonly unicastSource?: ParsedIP;
  /** PASS authentication with the password from its Secret; absent: none (or the Secret is missing: see issues). */
  readonly password?: string;
  readonly trackInterfaces: readonly { readonly name: string; readonly weight: number }[];
  readonly trackScripts: readonly TrackScriptModel[];
  readonly garp: {
    readonly masterDelayMs: number;
    readonly masterRepeat: number;
    readonly masterRefreshMs: number;
    readonly masterRefreshRepeat: number;
  };
  readonly notify: Readonly<Partial<Record<keyof NonNullable<VrrpGroupSpec['notify']>, Argv>>>;
  readonly connectionSync?: { readonly interface?: string; readonly syncId?: number };
  readonly syncGroup?: string;
  /** Why this group cannot run as written (it keeps its previous plan, if any). */
  readonly issues: readonly ModelIssue[];
  /** Settings it uses that this version does not act on (it runs without them). */
  readonly unsupported: readonly ModelIssue[];
}

export type AcceptVip = z.output<typeof AcceptVipSchema>;

/** What a node's realserver role reported for one VIP of one backend (object status). */
export interface VipReport {
  readonly configured: boolean;
  readonly message?: string;
  /** The reporting node, when the report says (inline real servers). */
  readonly node?: string;
}

/** A health check of a backend, normalised, with where it was written. */
export interface CheckModel {
  readonly probe: HealthProbe;
  readonly object: ObjectRef;
  readonly path: FieldPath;
}

/** A real server of a service: inline in the VirtualServer, or a selected RealServer object. */
export interface BackendModel {
  readonly key: BackendKey;
  /** `keyOf(key)`: unique within its service. */
  readonly id: string;
  /** The RealServer object, absent for a server written inline. */
  readonly realServer?: ObjectRef;
  /** The object that holds the server's fields (the VirtualServer for an inline one), and where. */
  readonly holder: ObjectRef;
  readonly path: FieldPath;
  readonly weight: number;
  readonly forwarding: ForwardingMethod;
  readonly inhibitOnFailure: boolean;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  /** Its own checks, or the service's defaults. */
  readonly checks: readonly CheckModel[];
  readonly notify: { readonly up?: Argv; readonly down?: Argv };
  /** The node it runs on, when the manifest names it. */
  readonly node?: string;
  readonly acceptVIP: AcceptVip;
  /** What the realserver roles reported, by canonical VIP text. */
  readonly vipReports: ReadonlyMap<string, VipReport>;
}

/** A service address: VIP and port. */
export interface ServiceAddress {
  readonly ip: ParsedIP;
  readonly port: number;
}

/** A VirtualServer, normalised, with its real servers resolved. */
export interface ServiceModel {
  readonly ref: ObjectRef;
  readonly group?: ObjectRef;
  readonly programOn: VirtualServerSpec['programOn'];
  /** Empty for a fwmark service. */
  readonly addresses: readonly ServiceAddress[];
  readonly fwmark?: number;
  /** The family of the addresses, or of the fwmark service. */
  readonly family: 4 | 6;
  readonly protocol: VirtualServerSpec['protocol'];
  readonly scheduler: Scheduler;
  readonly schedulerFlags: NonNullable<VirtualServerSpec['schedulerFlags']>;
  readonly onePacket: boolean;
  readonly forwarding: ForwardingMethod;
  readonly tunnel?: NonNullable<VirtualServerSpec['tunnel']>;
  readonly persistence?: { readonly timeoutMs: number; readonly granularity?: number; readonly engine?: string };
  /** The port real servers without one use: the first address's, 0 for fwmark. */
  readonly defaultPort: number;
  readonly backends: readonly BackendModel[];
  readonly sorry?: { readonly key: BackendKey; readonly forwarding: ForwardingMethod; readonly inhibit: boolean };
  readonly quorum: number;
  readonly hysteresis: number;
  readonly alpha: boolean;
  readonly haSuspend: boolean;
  readonly vipPathCheck: VipPathCheckMode;
  readonly notify: { readonly quorumUp?: Argv; readonly quorumDown?: Argv };
  /** Why this service cannot run as written (it keeps its previous plan, if any). */
  readonly issues: readonly ModelIssue[];
  /** Settings it uses that this version does not act on (it runs without them). */
  readonly unsupported: readonly ModelIssue[];
}

/** A RealServer object, selected by a service or not (its node reports on it either way). */
export interface RealServerModel {
  readonly ref: ObjectRef;
  readonly address: ParsedIP;
  readonly node?: string;
}

/** Everything the roles need of the desired state. */
export interface Model {
  readonly groups: readonly GroupModel[];
  readonly services: readonly ServiceModel[];
  readonly realServers: readonly RealServerModel[];
}

export const EMPTY_MODEL: Model = { groups: [], services: [], realServers: [] };
