import { z } from 'zod';
import { labelMap, objectName } from './primitives.js';
import { RealServerSpecSchema, RealServerStatusSchema } from './real-server.js';
import { VirtualServerSpecSchema, VirtualServerStatusSchema } from './virtual-server.js';
import { VrrpGroupSpecSchema, VrrpGroupStatusSchema } from './vrrp-group.js';

export const GROUP = 'lvs.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The part of ObjectMeta that manifests carry; the API server adds the rest. */
export const ObjectMetaSchema = z.looseObject({
  name: objectName(),
  namespace: objectName().max(63).default('default'),
  labels: labelMap().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
});

function envelope<K extends string, S extends z.ZodType, T extends z.ZodType>(kind: K, spec: S, status: T) {
  return z.strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }),
    kind: z.literal(kind),
    metadata: ObjectMetaSchema,
    spec,
    status: status.optional(),
  });
}

export const VrrpGroupSchema = envelope('VrrpGroup', VrrpGroupSpecSchema, VrrpGroupStatusSchema);
export const VirtualServerSchema = envelope('VirtualServer', VirtualServerSpecSchema, VirtualServerStatusSchema);
export const RealServerSchema = envelope('RealServer', RealServerSpecSchema, RealServerStatusSchema);

export type VrrpGroup = z.output<typeof VrrpGroupSchema>;
export type VirtualServer = z.output<typeof VirtualServerSchema>;
export type RealServer = z.output<typeof RealServerSchema>;
export type LvsObject = VrrpGroup | VirtualServer | RealServer;
export type Kind = LvsObject['kind'];

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

/** Everything the CRD generator and the loaders need to know about a kind. */
export interface KindInfo {
  kind: Kind;
  plural: string;
  singular: string;
  shortNames: string[];
  schema: z.ZodType;
  spec: z.ZodType;
  status: z.ZodType;
  description: string;
  printerColumns: PrinterColumn[];
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age.' };
const ready = (jsonPath: string): PrinterColumn => ({
  name: 'Ready',
  type: 'string',
  jsonPath,
  description: 'Status of the Ready condition.',
});

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'VrrpGroup',
    plural: 'vrrpgroups',
    singular: 'vrrpgroup',
    shortNames: ['vrrp'],
    schema: VrrpGroupSchema,
    spec: VrrpGroupSpecSchema,
    status: VrrpGroupStatusSchema,
    description:
      'A VRRP instance: director nodes elect a master that holds the virtual IPs (keepalived vrrp_instance).',
    printerColumns: [
      { name: 'VRID', type: 'integer', jsonPath: '.spec.virtualRouterId', description: 'Virtual router ID.' },
      { name: 'Version', type: 'integer', jsonPath: '.spec.version', description: 'VRRP version.', priority: 1 },
      { name: 'Interface', type: 'string', jsonPath: '.spec.interface', description: 'Interface.' },
      { name: 'VIP', type: 'string', jsonPath: '.spec.virtualIPs[0].address', description: 'First virtual IP.' },
      { name: 'Master', type: 'string', jsonPath: '.status.master', description: 'Node that is master.' },
      ready('.status.conditions[?(@.type=="Ready")].status'),
      age,
    ],
  },
  {
    kind: 'VirtualServer',
    plural: 'virtualservers',
    singular: 'virtualserver',
    shortNames: ['vs'],
    schema: VirtualServerSchema,
    spec: VirtualServerSpecSchema,
    status: VirtualServerStatusSchema,
    description: 'An IPVS virtual service with its real servers and health checks (keepalived virtual_server).',
    printerColumns: [
      { name: 'VIP', type: 'string', jsonPath: '.spec.addresses[0].ip', description: 'First virtual IP.' },
      { name: 'Port', type: 'integer', jsonPath: '.spec.addresses[0].port', description: 'First virtual port.' },
      { name: 'FWMark', type: 'integer', jsonPath: '.spec.fwmark', description: 'Firewall mark.', priority: 1 },
      { name: 'Protocol', type: 'string', jsonPath: '.spec.protocol', description: 'Protocol.', priority: 1 },
      { name: 'Scheduler', type: 'string', jsonPath: '.spec.scheduler', description: 'IPVS scheduler.' },
      { name: 'Forwarding', type: 'string', jsonPath: '.spec.forwarding', description: 'Forwarding method.' },
      { name: 'Servers', type: 'string', jsonPath: '.status.ready', description: 'Up real servers / all.' },
      { name: 'Master', type: 'string', jsonPath: '.status.master', description: 'Director that is master.' },
      ready('.status.conditions[?(@.type=="Ready")].status'),
      age,
    ],
  },
  {
    kind: 'RealServer',
    plural: 'realservers',
    singular: 'realserver',
    shortNames: ['rs'],
    schema: RealServerSchema,
    spec: RealServerSpecSchema,
    status: RealServerStatusSchema,
    description: 'One backend of VirtualServers that select it, and how it accepts their VIPs.',
    printerColumns: [
      { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'Backend address.' },
      { name: 'Port', type: 'integer', jsonPath: '.spec.port', description: 'Backend port.' },
      { name: 'Weight', type: 'integer', jsonPath: '.spec.weight', description: 'Weight.' },
      { name: 'Mode', type: 'string', jsonPath: '.spec.acceptVIP.mode', description: 'How the VIP is accepted.' },
      {
        name: 'Node',
        type: 'string',
        jsonPath: '.spec.node',
        description: 'Node of the realserver role.',
        priority: 1,
      },
      { name: 'Health', type: 'string', jsonPath: '.status.summary', description: 'Health summary.' },
      ready('.status.conditions[?(@.type=="Ready")].status'),
      age,
    ],
  },
];

export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}
