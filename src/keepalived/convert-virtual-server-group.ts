import { parseIP } from '../api/index.js';
import type { Statement } from './block-tree.js';
import { parseAddress, type StatementReader } from './convert-context.js';
import type { SourcePos } from './diagnostics.js';
import type { Token } from './lexer.js';

/** The members of a virtual_server_group. */
export interface VirtualServerGroup {
  readonly source: SourcePos;
  readonly addresses: { ip: string; port: number }[];
  readonly fwmarks: { fwmark: number; family?: 'IPv4' | 'IPv6' }[];
}

/** At most this many addresses come out of one range line (the API lists up to 256). */
const MAX_RANGE = 256;

/** `IP[-LAST] [PORT]`: keepalived ranges vary the last IPv4 octet or the last IPv6 group. */
function expandRange(r: StatementReader, tok: Token): string[] {
  const m = /^(.*?)-([0-9a-fA-F]+)$/.exec(tok.text);
  const single = parseAddress(tok.text);
  if (single || !m) {
    const ip = r.ip(tok, 'virtual_server_group');
    return ip ? [ip.text] : [];
  }
  const first = r.ip({ ...tok, text: m[1] ?? '' }, 'virtual_server_group range');
  if (!first) return [];
  const v6 = first.family === 6;
  const bytes = first.bytes;
  const start = v6 ? ((bytes[14] ?? 0) << 8) | (bytes[15] ?? 0) : (bytes[3] ?? 0);
  const end = Number.parseInt(m[2] ?? '', v6 ? 16 : 10);
  if (Number.isNaN(end) || end < start || end > (v6 ? 0xffff : 255) || end - start >= MAX_RANGE) {
    r.sink.error(
      tok,
      'KA_BAD_ADDRESS',
      `virtual_server_group: "${tok.text}" is not a range of at most ${MAX_RANGE} addresses`,
    );
    return [];
  }
  const out: string[] = [];
  for (let v = start; v <= end; v++) {
    if (v6) {
      const b = Uint16Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
      b[7] = v;
      out.push(parseIP([...b].map((x) => x.toString(16)).join(':'))?.text ?? '');
    } else {
      out.push(`${bytes[0]}.${bytes[1]}.${bytes[2]}.${v}`);
    }
  }
  return out;
}

/** virtual_server_group NAME { IP[-LAST] PORT | fwmark N [inet|inet6] ... }. */
export function convertVirtualServerGroup(r: StatementReader, st: Statement): [string, VirtualServerGroup] | undefined {
  const nameTok = r.arg(st, 0, 'a name');
  if (!nameTok || !r.expectBlock(st, true)) return undefined;
  const group: VirtualServerGroup = { source: st, addresses: [], fwmarks: [] };
  for (const line of st.block ?? []) {
    if (line.block) r.expectBlock(line, false);
    if (line.keyword === 'fwmark') {
      const mark = r.int(line, 1, 4294967295);
      const fam = line.args[1]?.text;
      if (mark !== undefined)
        group.fwmarks.push({ fwmark: mark, ...(fam === 'inet6' ? { family: 'IPv6' as const } : {}) });
      continue;
    }
    const keyTok: Token = { ...line, text: line.keyword, quoted: false };
    const port = line.args[0] ? r.port(line.args[0], 'virtual_server_group port') : 0;
    if (port === undefined) continue;
    for (const ip of expandRange(r, keyTok)) group.addresses.push({ ip, port });
  }
  if (group.addresses.length === 0 && group.fwmarks.length === 0) {
    r.sink.error(st, 'KA_MISSING_VALUE', `virtual_server_group ${nameTok.text} has no members`);
    return undefined;
  }
  return [nameTok.text, group];
}
