import { API_VERSION, kindInfo, type Kind } from '../api/index.js';

/** One of our objects, by identity. */
export interface LvsObjectRef {
  readonly kind: Kind;
  readonly namespace: string;
  readonly name: string;
  /** Set when known; Events and owner references carry it. */
  readonly uid?: string;
}

/** The URL coordinates of a kind of ours for CustomObjectsApi. */
export function customObjectCoordinates(kind: Kind): { group: string; version: string; plural: string } {
  const info = kindInfo(kind);
  if (!info) throw new TypeError(`not a kind of ${API_VERSION}: ${kind}`);
  const [group = '', version = ''] = API_VERSION.split('/');
  return { group, version, plural: info.plural };
}

/** "VirtualServer ns/name", for logs and keys. */
export function formatRef(ref: LvsObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}
