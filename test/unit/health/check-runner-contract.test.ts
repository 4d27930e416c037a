import { describe } from 'vitest';
import { HealthCheckSchema } from '../../../src/api/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { normaliseCheck } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';
import { checkRunnerContract } from '../../support/health-runner-contract.js';

function tcp(address: string) {
  const r = normaliseCheck(HealthCheckSchema.parse({ type: 'TCP', timeout: '5s' }), { address: ip(address), port: 80 });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.probe;
}

describe('FakeCheckRunner keeps the CheckRunner contract', () => {
  // The system clock with zero latency settles at once; the silent case is aborted at once.
  const fake = new FakeCheckRunner(systemClock);
  fake.set('192.0.2.2:80', { kind: 'down', reason: 'refused' });
  fake.set('192.0.2.3:80', { kind: 'silent' });
  checkRunnerContract({
    run: () => fake.run,
    up: () => tcp('192.0.2.1'),
    down: () => tcp('192.0.2.2'),
    silent: () => tcp('192.0.2.3'),
  });
});
