/** `spikerep report a.json b.json --out cmp.html`: several runs on one page, and the options that name one run refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-compare-'));

function runJson(name: string, neuron: string, T: number, energyJoules: number): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      dataset: 'mnist',
      model: 'mnistnet',
      neuron,
      T,
      epochs: 1,
      testAccuracy: 0.97,
      testImages: 1000,
      testSetSize: 10000,
      history: [{ epoch: 1, trainLoss: 0.3, trainAccuracy: 0.95, testAccuracy: 0.97, lr: 0.05 }],
      synOps: 2e6,
      energyJoules,
      annEnergyJoules: 2e-5,
      config: { seed: 3 },
    }),
  );
  return path;
}

test('two runs: one page with the runs table, the energy table in the true direction, and a note per missing sweep', async () => {
  const a = runJson('if-T4', 'if', 4, 2.5e-6);
  const b = runJson('lif-T8', 'lif', 8, 2.48e-5);
  const out = join(dir, 'cmp.html');
  const r = await runCli(['report', a, b, '--out', out, '--backend', 'reference']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `wrote ${out} (2 runs compared)\n`);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /data-table="runs"/);
  assert.match(html, /<td>if-T4<\/td><td>mnist<\/td><td>mnistnet<\/td><td>if<\/td><td>4<\/td>/);
  assert.match(html, /<td>lif-T8<\/td>.*<td>1\.24×<\/td>/);
  assert.match(html, /lif-T8: the SNN uses 1\.24× more energy than the ANN/);
  assert.match(html, /if-T4: the SNN uses 0\.13× of the ANN&#39;s energy, 8\.00× less/);
  assert.match(html, /data-missing="sweep-if-T4"[^>]*>if-T4: no accuracy against T \(no checkpoint recorded\)/);
  // each table also as LaTeX: special characters escaped once, the lowest energy in bold
  const energyTex = /<pre data-latex="energy">([^<]*)<\/pre>/
    .exec(html)?.[1]
    ?.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
  assert.ok(energyTex !== undefined);
  assert.match(energyTex, /^\\begin\{tabular\}\{lrrrrrr\}\n\\toprule\n/);
  assert.match(
    energyTex,
    /\nif-T4 & if & 2\.00 M & \\textbf\{2\.50 \$\\mu\$J\} & 20\.0 \$\\mu\$J & 0\.13\$\\times\$ & 1 000 \\\\\n/,
  );
  assert.match(
    energyTex,
    /\nlif-T8 & lif & 2\.00 M & 24\.8 \$\\mu\$J & 20\.0 \$\\mu\$J & 1\.24\$\\times\$ & 1 000 \\\\\n/,
  );
  assert.match(energyTex, /SNN \$\\div\$ ANN/);
});

test('options that pick one run are refused with several, naming the option', async () => {
  const a = runJson('a', 'if', 4, 2e-6);
  const b = runJson('b', 'if', 4, 2e-6);
  const out = join(dir, 'x.html');
  const sample = await runCli(['report', a, b, '--out', out, '--sample', '2']);
  assert.equal(sample.code, 1);
  assert.match(sample.err, /^spikerep: --sample: .*not with several runs\n$/);
  const ckpt = await runCli(['report', a, b, '--out', out, '--checkpoint', a]);
  assert.match(ckpt.err, /^spikerep: --checkpoint: /);
  const same = await runCli(['report', a, b, '--out', b]);
  assert.match(same.err, /is also the run JSON it reads \(2\)/);
});
