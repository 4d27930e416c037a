import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './exit.js';

/** "host:port" → its parts ("[::1]:9400" too); port 0 picks a free one. */
export function parseListenAddress(text: string, flag = '--metrics-address'): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i < 0 || text.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be host:port, got "${text}"`);
  }
  return { host: text.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

/** "key=value" → [key, value], for repeatable label flags. */
export function parseLabel(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`${flag} must be key=value, got "${text}"`);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The version in package.json, found from this module upwards (source and dist alike). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lvs-operator' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
