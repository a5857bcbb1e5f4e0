/** A run JSON with a wrong field is refused in one line naming the file and the field; the recorded results pass. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { readRunJson } from '../../src/report/collect.js';
import { runJsonProblem } from '../../src/report/run-check.js';

const epoch = { epoch: 1, trainLoss: 0.5, trainAccuracy: 0.8, testAccuracy: 0.85, lr: 0.1 };

test('each wrong field is named with where it is', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ history: [{ ...epoch, trainLoss: 'x' }] }, 'history[0].trainLoss: expected a finite number'],
    [{ history: [epoch, null] }, 'history[1]: expected an object'],
    [{ history: [{ ...epoch, steps: 5 }] }, 'history[0].steps: expected a list'],
    [
      { history: [{ ...epoch, steps: [{ step: 1, epoch: 0.5, loss: 1, accuracy: null }] }] },
      'history[0].steps[0].accuracy: expected a finite number',
    ],
    [{ history: [], firingRates: [{ layer: 3, firingRate: 0.1 }] }, 'firingRates[0].layer: expected a string'],
    [{ history: [], thresholds: [{ layer: 'a' }] }, 'thresholds[0].vth: expected a finite number'],
    [{ history: [], energyJoules: 'a' }, 'energyJoules: expected a finite number'],
    [{ history: [], testAccuracy: Number.NaN }, 'testAccuracy: expected a finite number'],
    [{ history: [], machine: 'abc' }, 'machine: expected an object'],
    [{ history: {} }, 'history: expected a list'],
  ];
  for (const [run, problem] of cases) assert.equal(runJsonProblem(run), problem);
  assert.equal(runJsonProblem({ history: [{ ...epoch, valAccuracy: null }], firingRates: [] }), undefined);
});

test('readRunJson refuses such a file in one line that names it', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'spikerep-runjson-')), 'run.json');
  writeFileSync(path, JSON.stringify({ history: [{ ...epoch, steps: [null] }] }));
  assert.throws(
    () => readRunJson(path),
    (e: unknown) =>
      e instanceof SpikerepError &&
      e.message.includes('not a train --json result (history[0].steps[0]: expected an object)') &&
      e.message.includes(path) &&
      !e.message.includes('\n'),
  );
});

test('every run result recorded in results/ passes the check', () => {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
    });
  let runs = 0;
  for (const p of walk('results')) {
    const v = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    if (!Array.isArray(v['history'])) continue;
    runs++;
    assert.equal(runJsonProblem(v), undefined, p);
  }
  assert.ok(runs > 10, `${runs} run results found`);
});
