import { convertKeepalived, type ConvertOptions } from './convert.js';
import type { ImportResult } from './model.js';
import { parseKeepalived, type ParseOptions, type SourceReader } from './parse.js';

/** Options of parsing (config id, environment) and of conversion (namespace, RealServer objects). */
export interface ImportOptions extends ParseOptions, ConvertOptions {}

/** Parses a keepalived.conf (and its includes, read through `reader`) and converts it. Never throws. */
export function importKeepalived(entry: string, reader: SourceReader, options: ImportOptions = {}): ImportResult {
  return convertKeepalived(parseKeepalived(entry, reader, options), options);
}
