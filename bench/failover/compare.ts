/**
 * The failover comparison, run inside the kernel harness by bench/failover/run.sh: every
 * scenario of scenarios.ts against keepalived and against lvs-operator, each run in a fresh
 * lab, the two alternating which goes first. Writes records.json and table.md to
 * LVS_FAILOVER_OUT as it goes, so an interrupted run still leaves what it measured.
 *
 * LVS_FAILOVER_RUNS (default 1) repeats every scenario; LVS_FAILOVER_ONLY (comma-separated
 * scenario ids) and LVS_FAILOVER_IMPLS (keepalived,lvs-operator) narrow the run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../src/core/errors.js';
import { createPair, type Implementation } from './pairs.js';
import { renderTable, type RunRecord } from './report.js';
import { SCENARIOS } from './scenarios.js';

const out = process.env['LVS_FAILOVER_OUT'] ?? '/tmp';
const runs = Number(process.env['LVS_FAILOVER_RUNS'] ?? '1');
const only = process.env['LVS_FAILOVER_ONLY']?.split(',').filter(Boolean);
const IMPLEMENTATIONS: readonly Implementation[] = ['keepalived', 'lvs-operator'];
const asked = process.env['LVS_FAILOVER_IMPLS']?.split(',');
// The report's columns keep one order whatever the command line's.
const impls = IMPLEMENTATIONS.filter((i) => !asked || asked.includes(i));

const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}\n`);
  process.exit(2);
}

const records: RunRecord[] = [];
const save = (): void => {
  writeFileSync(join(out, 'records.json'), `${JSON.stringify(records, null, 2)}\n`);
  writeFileSync(join(out, 'table.md'), renderTable(records, scenarios, impls));
};

for (let run = 1; run <= runs; run++) {
  for (const scenario of scenarios) {
    const order = run % 2 === 1 ? impls : [...impls].reverse();
    for (const impl of order) {
      const started = performance.now();
      const pair = await createPair(impl, `lvs-fo-${impl === 'keepalived' ? 'k' : 'o'}-`, scenario.settings);
      let record: RunRecord;
      try {
        await pair.start();
        record = { scenario: scenario.id, impl, run, figures: await scenario.run(pair) };
      } catch (err) {
        record = { scenario: scenario.id, impl, run, error: messageOf(err) };
      } finally {
        await pair.destroy();
      }
      records.push(record);
      save();
      const took = Math.round((performance.now() - started) / 1000);
      process.stdout.write(
        `${scenario.id} ${impl} run ${run} (${took} s): ${JSON.stringify(record.figures ?? record.error)}\n`,
      );
    }
  }
}
save();
