/**
 * One realserver pass in this process's network namespace, for the netns tests:
 *
 *   ip netns exec NS node --import tsx test/netns/realserver-pass.ts JOB.json
 *
 * JOB is `{ nodeName, statePath, objects }` (manifests, validated here as at any edge). Prints
 * the pass report as JSON on stdout; logs go to stderr. Each run is a new instance on the same
 * state file, as a restarted agent would be.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { RealServerSchema, VirtualServerSchema, type LvsObject } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { buildModel } from '../../src/model/index.js';
import { messageOf } from '../../src/core/errors.js';
import { ANY_COMMAND, SpawnProcessRunner } from '../../src/net/index.js';
import { createKernelPorts, RealserverRole } from '../../src/realserver/index.js';

interface Job {
  nodeName: string;
  statePath: string;
  objects: { kind: string }[];
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Job;
const objects: LvsObject[] = job.objects.map((o) =>
  o.kind === 'VirtualServer' ? VirtualServerSchema.parse(o) : RealServerSchema.parse(o),
);
const ports = createKernelPorts({
  processes: new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND }),
  statePath: job.statePath,
});
const registry = new Registry();
const role = new RealserverRole({
  nodeName: job.nodeName,
  ports,
  log: pino({ level: 'info' }, pino.destination({ dest: 2, sync: true })),
  registry,
  resyncIntervalMs: 0,
});
try {
  await role.start();
  const report = await role.sync(buildModel(objects, () => undefined));
  await role.stop();
  process.stdout.write(
    `${JSON.stringify({
      writes: report.writes,
      vips: report.vips,
      realServers: report.realServers,
      issues: report.issues,
      failures: report.failures.map((f) => ({ op: f.op.op, error: messageOf(f.error) })),
      metrics: await registry.metrics(),
    })}\n`,
  );
} finally {
  ports.close();
}
