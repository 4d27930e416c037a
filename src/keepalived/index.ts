// The keepalived importer and exporter: keepalived.conf (with includes, conditionals and
// parameters) and ipvsadm-save rules in, lvs-operator manifests out, and back.
export type { Statement } from './block-tree.js';
export * from './diagnostics.js';
export { parseKeepalived, PARSE_LIMITS, type ParseOptions, type ParseResult, type SourceReader } from './parse.js';
export { memorySource } from './memory-source.js';
export { convertKeepalived, type ConvertOptions } from './convert.js';
export * from './model.js';
export { renderManifests, renderObject, type RenderedObject } from './render.js';
export { importKeepalived, type ImportOptions } from './import.js';
export { exportKeepalived, type ExportDocument, type ExportResult } from './export.js';
export { convertIpvsadmRules, type IpvsadmConvertOptions } from './convert-ipvsadm.js';
export { fileSystemSource } from './fs-source.js';
