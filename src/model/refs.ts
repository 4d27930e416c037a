import { formatHostPort, type Kind, type ParsedIP } from '../api/index.js';

/** One of our objects, by identity: the one reference type every role and status writer shares. */
export interface ObjectRef {
  readonly kind: Kind;
  readonly namespace: string;
  readonly name: string;
}

/** The reference of an object as the API has it. */
export function refOf(o: {
  readonly kind: Kind;
  readonly metadata: { readonly namespace: string; readonly name: string };
}): ObjectRef {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

/** "namespace/name": the key of an object within its kind (VRRP instance names, health service ids). */
export function nameKey(ref: { readonly namespace: string; readonly name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

/** "Kind/namespace/name": the key of an object across kinds. */
export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** `Kind ns/name`, for messages and logs. */
export function formatRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** A real server of a service: its address and its resolved port (0 for a fwmark service). */
export interface BackendKey {
  readonly address: ParsedIP;
  readonly port: number;
}

/** "address:port" with IPv6 in brackets: the one text key of a backend, unique within its service. */
export function keyOf(key: BackendKey): string {
  return formatHostPort(key.address.text, key.port);
}
