import { describe, expect, it } from 'vitest';
import {
  HEALTH_CHECK_TYPE_DEFAULTS,
  validateObject,
  type VirtualServer,
  type VrrpGroup,
} from '../../../src/api/index.js';
import { httpCheck, virtualServer, vrrpGroup } from './fixtures.js';

/**
 * Defaults match keepalived's. The one deliberate difference is preempt: false, which is what
 * the seeds recommend (both directors BACKUP with nopreempt), where keepalived preempts by default.
 */
describe('defaults', () => {
  const group = validateObject(vrrpGroup());
  const service = validateObject({
    ...virtualServer(),
    spec: { ...virtualServer().spec, healthChecks: [httpCheck()] },
  });
  if (!group.ok || !service.ok) throw new Error('fixtures must be valid');
  const g = (group.object as VrrpGroup).spec;
  const s = (service.object as VirtualServer).spec;
  const check = s.healthChecks?.[0];

  it.each([
    { name: 'VRRP version 2 (vrrp_version)', actual: g.version, expected: 2 },
    { name: 'priority 100', actual: g.priority, expected: 100 },
    { name: 'advert_int 1 s', actual: g.advertInterval, expected: '1s' },
    { name: 'preempt false (seeds recommend nopreempt; keepalived preempts)', actual: g.preempt, expected: false },
    { name: 'preempt_delay 0', actual: g.preemptDelay, expected: '0s' },
    { name: 'accept (non-strict keepalived)', actual: g.acceptMode, expected: true },
    { name: 'garp_master_delay 5 s', actual: g.garp.masterDelay, expected: '5s' },
    { name: 'garp_master_repeat 5', actual: g.garp.masterRepeat, expected: 5 },
    { name: 'garp_master_refresh off', actual: g.garp.masterRefresh, expected: '0s' },
    { name: 'lvs_sched wlc', actual: s.scheduler, expected: 'wlc' },
    { name: 'lvs_method NAT', actual: s.forwarding, expected: 'NAT' },
    { name: 'protocol TCP', actual: s.protocol, expected: 'TCP' },
    { name: 'quorum 1', actual: s.quorum, expected: 1 },
    { name: 'hysteresis 0', actual: s.hysteresis, expected: 0 },
    { name: 'inhibit_on_failure off', actual: s.inhibitOnFailure, expected: false },
    { name: 'real server weight 1', actual: s.realServers?.[0]?.weight, expected: 1 },
    { name: 'delay_loop 60 s', actual: check?.interval, expected: '60s' },
    { name: 'connect_timeout 5 s', actual: check?.timeout, expected: '5s' },
    { name: 'HTTP version 1.0', actual: check?.http?.httpVersion, expected: '1.0' },
    { name: 'retry 1 (HTTP)', actual: HEALTH_CHECK_TYPE_DEFAULTS.HTTP.retry, expected: 1 },
    { name: 'retry 3 (DNS)', actual: HEALTH_CHECK_TYPE_DEFAULTS.DNS.retry, expected: 3 },
    { name: 'retry 0 (MISC)', actual: HEALTH_CHECK_TYPE_DEFAULTS.MISC.retry, expected: 0 },
    {
      name: 'delay_before_retry 3 s (HTTP)',
      actual: HEALTH_CHECK_TYPE_DEFAULTS.HTTP.delayBeforeRetryMs,
      expected: 3000,
    },
    {
      name: 'delay_before_retry 3 s (HTTPS)',
      actual: HEALTH_CHECK_TYPE_DEFAULTS.HTTPS.delayBeforeRetryMs,
      expected: 3000,
    },
    { name: 'delay_before_retry 1 s (TCP)', actual: HEALTH_CHECK_TYPE_DEFAULTS.TCP.delayBeforeRetryMs, expected: 1000 },
  ])('$name', ({ actual, expected }) => {
    expect(actual).toEqual(expected);
  });
});
