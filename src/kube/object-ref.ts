import { API_VERSION, kindInfo, type Kind } from '../api/index.js';
import type { ObjectRef } from '../model/index.js';

/** One of our objects, by identity, with its uid when known (Events and owner references carry it). */
export interface LvsObjectRef extends ObjectRef {
  readonly uid?: string;
}

/** The URL coordinates of a kind of ours for CustomObjectsApi. */
export function customObjectCoordinates(kind: Kind): { group: string; version: string; plural: string } {
  const info = kindInfo(kind);
  if (!info) throw new TypeError(`not a kind of ${API_VERSION}: ${kind}`);
  const [group = '', version = ''] = API_VERSION.split('/');
  return { group, version, plural: info.plural };
}
