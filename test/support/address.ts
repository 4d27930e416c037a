import { parseIP, type ParsedIP } from '../../src/api/index.js';

/** A parsed address from a literal a test knows is valid. */
export function ip(text: string): ParsedIP {
  const parsed = parseIP(text);
  if (!parsed) throw new Error(`not an IP address: ${text}`);
  return parsed;
}
