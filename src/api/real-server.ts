import { z } from 'zod';
import { addressOf } from './address-policy.js';
import { command, conditions, interfaceName, listMapKeys, MAX_LIST, objectName, port } from './primitives.js';
import { HealthChecksSchema } from './health-check.js';

export const FORWARDING_METHODS = ['DR', 'NAT', 'TUN'] as const;
export type ForwardingMethod = (typeof FORWARDING_METHODS)[number];

export const ACCEPT_VIP_MODES = ['Loopback', 'IptablesRedirect', 'Tunnel', 'None'] as const;

export const AcceptVipSchema = z
  .strictObject({
    mode: z
      .enum(ACCEPT_VIP_MODES)
      .default('Loopback')
      .describe(
        'Loopback: VIP /32 (/128) on a local device with arp_ignore=1, arp_announce=2. IptablesRedirect: a NAT REDIRECT rule for the VIP. Tunnel: an ipip device for TUN. None: configured by hand.',
      ),
    device: interfaceName().default('lo').describe('Device for Loopback mode: lo, or a dummy device.'),
    perPort: z
      .boolean()
      .default(false)
      .describe('IptablesRedirect: match the service protocol and port, not every packet to the VIP.'),
  })
  .describe('How the backend accepts traffic for the VIPs of DR and TUN services, done by its realserver role.');

/** The fields a real server has, inline in a VirtualServer or as a RealServer object. */
export const realServerFields = {
  address: addressOf('backend').describe('Address of the backend (real_server).'),
  port: port().optional().describe('Port on the backend; default the service port (0 for fwmark services).'),
  weight: z
    .int()
    .min(0)
    .max(65535)
    .default(1)
    .describe('Scheduling weight (weight); 0 quiesces the server. Default 1.'),
  forwarding: z
    .enum(FORWARDING_METHODS)
    .optional()
    .describe('Override of the service forwarding method for this server (lvs_method).'),
  upperThreshold: z
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('Stop sending new connections above this many (uthreshold); 0 means no limit.'),
  lowerThreshold: z.int().min(0).max(65535).optional().describe('Resume below this many connections (lthreshold).'),
  healthChecks: HealthChecksSchema.optional().describe('Checks for this server, replacing the service default.'),
  inhibitOnFailure: z
    .boolean()
    .optional()
    .describe('Override of the service setting: weight 0 instead of removal when down.'),
  notify: z
    .strictObject({
      up: command().optional().describe('Run when the server comes up (notify_up).'),
      down: command().optional().describe('Run when the server goes down (notify_down).'),
    })
    .optional(),
  node: objectName()
    .optional()
    .describe('Node whose realserver role makes this backend accept the VIPs; default the node owning the address.'),
  acceptVIP: AcceptVipSchema.optional(),
};

export const InlineRealServerSchema = z.strictObject(realServerFields);
export type InlineRealServer = z.output<typeof InlineRealServerSchema>;

export const RealServerSpecSchema = z
  .strictObject(realServerFields)
  .describe('One backend. VirtualServers select it with realServerSelector, in the same namespace.');
export type RealServerSpec = z.output<typeof RealServerSpecSchema>;

export const HEALTH_STATES = ['Up', 'Down', 'Unknown'] as const;

export const RealServerStatusSchema = z.strictObject({
  observedGeneration: z.int().min(0).optional(),
  vips: z
    .array(
      z.strictObject({
        vip: z.string().max(45),
        mode: z.enum(ACCEPT_VIP_MODES),
        configured: z.boolean(),
        message: z.string().max(1024).optional(),
      }),
    )
    .max(MAX_LIST)
    .meta(listMapKeys('vip'))
    .optional()
    .describe('VIPs the realserver role has (or could not) set up on the backend.'),
  health: z
    .array(
      z.strictObject({
        director: z.string().max(253),
        virtualServer: z.string().max(253),
        state: z.enum(HEALTH_STATES),
        weight: z.int().min(0).max(65535).optional(),
        reason: z.string().max(1024).optional(),
        since: z.string().max(64).optional(),
      }),
    )
    .max(MAX_LIST)
    .meta(listMapKeys('director', 'virtualServer'))
    .optional()
    .describe('Health as seen by each director.'),
  summary: z.string().max(64).optional().describe('Short health summary for kubectl get, e.g. "Up 2/2".'),
  conditions: conditions().optional(),
});
export type RealServerStatus = z.output<typeof RealServerStatusSchema>;
