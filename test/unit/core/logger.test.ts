import { describe, expect, it } from 'vitest';
import { createRootLogger } from '../../../src/core/logger.js';

// Defence in depth: whatever object is logged whole, a password planted in it never reaches
// the log line.

const MARKER = 'Pw7-log-marker';
const b64 = Buffer.from(MARKER).toString('base64');

function capture(): { lines: string[]; log: ReturnType<typeof createRootLogger> } {
  const lines: string[] = [];
  const log = createRootLogger({
    pretty: false,
    level: 'trace',
    node: 'lb-1',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { lines, log };
}

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'lvs.io/vrrp-auth',
  data: { password: b64 },
  stringData: { password: MARKER },
};

describe('root logger redaction', () => {
  it.each([
    { name: 'a Secret at the top', fields: { ...secret } },
    { name: 'a Secret as a field', fields: { secret } },
    { name: 'a Secret two levels down', fields: { snapshot: { object: secret } } },
    { name: 'a Secret three levels down', fields: { pass: { objects: { s: secret } } } },
    {
      name: 'a VRRP instance config with its password',
      fields: { config: { auth: { type: 'pass', password: MARKER } } },
    },
    { name: 'a group plan with the password deep inside', fields: { plan: { group: { auth: { password: MARKER } } } } },
    { name: 'keepalived keys', fields: { auth_pass: MARKER, vrrp: { authPass: MARKER } } },
    { name: 'a bearer token', fields: { request: { headers: { authorization: `Bearer ${MARKER}` } }, token: MARKER } },
  ])('$name', ({ fields }) => {
    const { lines, log } = capture();
    log.info(fields, 'object logged');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"msg":"object logged"');
    expect(lines[0]).toContain('[redacted]');
    expect(lines[0]).not.toContain(MARKER);
    expect(lines[0]).not.toContain(b64);
  });

  it('keeps what is not secret: the kind, the type, the node', () => {
    const { lines, log } = capture();
    log.info({ secret }, 'kept');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      node: 'lb-1',
      secret: { kind: 'Secret', type: 'lvs.io/vrrp-auth', data: '[redacted]', stringData: '[redacted]' },
    });
  });
});
