/**
 * Imports a generated keepalived.conf with --services virtual servers of --servers-per-service
 * real servers each (default 2,000 x 20 = 40,000, every one with an HTTP_GET check), and
 * reports the time of each stage and the memory used. Writes the figures, with the machine,
 * to bench/results/keepalived-import.md (--out to change, --out - for stdout only).
 *
 *   node --import tsx bench/keepalived/import-bench.ts [--services 2000] [--servers-per-service 20]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  exportKeepalived,
  convertKeepalived,
  memorySource,
  parseKeepalived,
  renderManifests,
} from '../../src/keepalived/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const services = Number(arg('services', '2000'));
const perService = Number(arg('servers-per-service', '20'));
const out = arg('out', join(import.meta.dirname, '../results/keepalived-import.md'));

/** A configuration in the style of the seeds: one VRRP group holding every VIP. */
function generate(): string {
  const parts: string[] = [];
  const vips: string[] = [];
  for (let s = 0; s < services; s++) vips.push(`        10.${100 + Math.floor(s / 250)}.${s % 250}.1`);
  parts.push(
    'global_defs {\n    router_id LB_BENCH\n}\n',
    `vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    nopreempt\n    advert_int 1\n    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n    virtual_ipaddress {\n${vips.slice(0, 200).join('\n')}\n    }\n}\n`,
  );
  for (let s = 0; s < services; s++) {
    const vip = `10.${100 + Math.floor(s / 250)}.${s % 250}.1`;
    const rs: string[] = [];
    for (let r = 0; r < perService; r++) {
      const n = s * perService + r;
      rs.push(
        `    real_server 172.${16 + Math.floor(n / 65000)}.${(Math.floor(n / 250) % 260) % 256}.${(n % 250) + 1} 8080 {\n        weight ${1 + (r % 3)}\n        inhibit_on_failure\n        HTTP_GET {\n            url {\n                path /health\n                status_code 200\n            }\n            connect_timeout 3\n            retry 2\n            delay_before_retry 2\n        }\n    }`,
      );
    }
    parts.push(
      `virtual_server ${vip} 80 {\n    delay_loop 5\n    lvs_sched wrr\n    lvs_method DR\n    protocol TCP\n${rs.join('\n')}\n}\n`,
    );
  }
  return parts.join('\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

const text = generate();
if (process.env['DUMP_CONF']) writeFileSync(process.env['DUMP_CONF'], text);
const lines = text.split('\n').length;
const files = { 'keepalived.conf': text };
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const parsed = parseKeepalived('keepalived.conf', memorySource(files));
const t1 = performance.now();
const cpu1 = process.cpuUsage();
const heapParsed = process.memoryUsage().heapUsed;
const converted = convertKeepalived(parsed);
const t2 = performance.now();
const cpu2 = process.cpuUsage();
// What an import keeps alive: the text, the statement tree and the objects (garbage collected
// first when --expose-gc is given, so this is live memory).
global.gc?.();
const heapImported = process.memoryUsage().heapUsed;
const t2b = performance.now();
const cpu2b = process.cpuUsage();
const yaml = renderManifests(converted.objects, converted.files);
const t3 = performance.now();
const cpu3 = process.cpuUsage();
const exported = exportKeepalived(converted.objects.map((o) => ({ value: o.manifest, source: o.source })));
const t4 = performance.now();
const cpu4 = process.cpuUsage();
const heapPeak = Math.max(heapParsed, process.memoryUsage().heapUsed);
const maxRss = process.resourceUsage().maxRSS * 1024;

const realServers = converted.objects.reduce(
  (n, o) => n + (o.manifest.kind === 'VirtualServer' ? (o.manifest.spec.realServers?.length ?? 0) : 0),
  0,
);
const problems = converted.diagnostics.filter((d) => d.severity !== 'note').length;
if (problems > 0 || realServers !== services * perService) {
  console.error(`unexpected result: ${problems} problems, ${realServers} real servers`);
  process.exitCode = 1;
}

let cpuModel = cpus()[0]?.model ?? 'unknown';
try {
  cpuModel =
    execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim() ||
    cpuModel;
} catch {
  // cpus() already gave a model name.
}
const ms = (a: number, b: number) => `${(b - a).toFixed(0)} ms`;
const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) =>
  `${((b.user + b.system - a.user - a.system) / 1000).toFixed(0)} ms`;
const report = `# keepalived import benchmark

Generated keepalived.conf: ${services} virtual servers x ${perService} real servers = ${services * perService}
real servers, each with an HTTP_GET check (url, status_code, connect_timeout, retry,
delay_before_retry) and inhibit_on_failure; one vrrp_instance; ${lines} lines, ${mb(text.length)} of text.
Command: \`node --expose-gc --import tsx bench/keepalived/import-bench.ts --services ${services} --servers-per-service ${perService}\`

| stage | wall time | CPU time (all threads, GC included) |
| --- | --- | --- |
| parse (lexer, preprocessor, block tree) | ${ms(t0, t1)} | ${cpuMs(cpu0, cpu1)} |
| convert (to VrrpGroup/VirtualServer, zod validation of every object) | ${ms(t1, t2)} | ${cpuMs(cpu1, cpu2)} |
| **import total (parse + convert)** | **${ms(t0, t2)}** | **${cpuMs(cpu0, cpu2)}** |
| render multi-document YAML (${mb(yaml.length)}) | ${ms(t2b, t3)} | ${cpuMs(cpu2b, cpu3)} |
| export back to keepalived.conf (${mb(exported.text.length)}) | ${ms(t3, t4)} | ${cpuMs(cpu3, cpu4)} |

Memory: live heap ${mb(heap0)} before, ${mb(heapImported)} after the import (input text, statement tree
and objects), ${mb(heapPeak)} at the end of the run (YAML and exported text too); peak RSS ${mb(maxRss)}.
Result: ${converted.objects.length} objects, ${realServers} real servers, ${problems} errors or warnings.

Load average at the end of the run: ${loadavg()
  .map((l) => l.toFixed(1))
  .join(', ')} (other work on the machine
inflates wall time; CPU time is the steadier figure).
Machine: ${cpus().length} CPUs (nproc), ${cpuModel}, ${mb(totalmem())} RAM; Node ${process.version}.
`;
process.stdout.write(report);
if (out !== '-') writeFileSync(out, report);
