import type { z } from 'zod';
import type {
  SECRET_TYPE,
  HealthCheckSchema,
  RealServerSchema,
  VirtualServerSchema,
  VrrpGroupSchema,
  TrackScriptSchema,
} from '../api/index.js';
import type { Diagnostic, SourcePos } from './diagnostics.js';

/**
 * Manifests as written: the input form of the schemas, where defaults may be left out. The
 * aliases below name the parts the converters build.
 */
export type VrrpGroupManifest = z.input<typeof VrrpGroupSchema>;
export type VirtualServerManifest = z.input<typeof VirtualServerSchema>;
export type RealServerManifest = z.input<typeof RealServerSchema>;
export type VrrpGroupSpecInput = VrrpGroupManifest['spec'];
export type VirtualServerSpecInput = VirtualServerManifest['spec'];
export type HealthCheckInput = z.input<typeof HealthCheckSchema>;
export type TrackScriptInput = z.input<typeof TrackScriptSchema>;
export type InlineRealServerInput = NonNullable<VirtualServerSpecInput['realServers']>[number];

/** The v1 Secret that holds a VRRP password, written next to its VrrpGroup. */
export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  type: typeof SECRET_TYPE;
  stringData: Record<string, string>;
}

/** Any object the importer writes. */
export type Manifest = VrrpGroupManifest | VirtualServerManifest | RealServerManifest | SecretManifest;

/** One object the importer produced, with the statement it came from. */
export interface ImportedObject {
  readonly manifest: Manifest;
  readonly source: SourcePos;
}

/** What an import gives: objects in source order, and every diagnostic in source order. */
export interface ImportResult {
  readonly objects: ImportedObject[];
  readonly diagnostics: Diagnostic[];
  /** Files read, the entry file first. */
  readonly files: string[];
}

/** Annotation carrying keepalived's `state`: the initial state only; the election decides. */
export const INITIAL_STATE_ANNOTATION = 'lvs.io/initial-state';
/** Label on RealServer objects (and the VirtualServer selector) when they are separate objects. */
export const VIRTUAL_SERVER_LABEL = 'lvs.io/virtual-server';
/** Key of the password in the Secret of a PASS-authenticated group. */
export const PASSWORD_KEY = 'password';
