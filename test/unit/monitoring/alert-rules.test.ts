import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isCI } from '../../support/privileges.js';
import { ALERTS_FILE, metricNamesIn, readAlertRules } from '../../support/monitoring.js';

const run = promisify(execFile);
const UNIT_TESTS = join(import.meta.dirname, '..', '..', 'fixtures', 'alerts', 'alerts.test.yaml');

/** promtool from Debian's prometheus package (hack/bootstrap.sh installs it). */
async function findPromtool(): Promise<string | undefined> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    return undefined;
  }
}

const promtool = await findPromtool();

interface UnitTests {
  readonly tests: readonly {
    readonly name: string;
    readonly input_series: readonly { series: string }[];
    readonly alert_rule_test?: readonly { alertname: string; exp_alerts?: readonly unknown[] }[];
  }[];
}

function describeWithPromtool(name: string, fn: (promtool: string) => void): void {
  if (promtool) {
    describe(name, () => fn(promtool));
    return;
  }
  if (isCI) {
    describe(name, () => {
      throw new Error(`${name}: promtool is missing (Debian package prometheus), and CI=true forbids skipping`);
    });
    return;
  }
  console.warn(`\n*** SKIPPED (no promtool; install the Debian package prometheus): ${name} ***\n`);
  describe.skip(name, () => fn(''));
}

describeWithPromtool('alert rules under promtool', (promtool) => {
  it('promtool check rules accepts charts/lvs-operator/files/alerts.yaml', async () => {
    const { stdout } = await run(promtool, ['check', 'rules', ALERTS_FILE]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules passes test/fixtures/alerts/alerts.test.yaml', async () => {
    const { stdout } = await run(promtool, ['test', 'rules', UNIT_TESTS]).catch((err: { stdout?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout ?? String(err)}`);
    });
    expect(stdout).toContain('SUCCESS');
  });

  it('the unit tests cover every rule: each fires in one case, and near misses stay silent', async () => {
    const file = parseYaml(await readFile(UNIT_TESTS, 'utf8')) as UnitTests;
    for (const { alert, expr } of await readAlertRules()) {
      const metrics = metricNamesIn(expr);
      // A test where the rule fires and whose series of the rule's metrics outnumber its alerts:
      // promtool compares the exact set of alerts, so those extra series are asserted silent.
      const covering = file.tests.filter((t) => {
        const firing = (t.alert_rule_test ?? [])
          .filter((c) => c.alertname === alert)
          .map((c) => (c.exp_alerts ?? []).length);
        const series = t.input_series.filter((s) => metrics.some((m) => s.series.startsWith(`${m}{`))).length;
        return firing.some((n) => n > 0) && firing.every((n) => n < series);
      });
      expect(
        covering.map((t) => t.name),
        alert,
      ).not.toEqual([]);
    }
  });
});
