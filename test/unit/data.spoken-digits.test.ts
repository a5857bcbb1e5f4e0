import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDataset } from '../../src/data/registry.js';
import { loadSpokenDigits } from '../../src/data/spokenDigits.js';
import { DIGIT_WORDS, planSpokenDigits, splitVariants } from '../../src/data/spokenDigitsPlan.js';
import { npyBytes } from '../../src/io/npy.js';
import { parseWav, wavBytes } from '../../src/io/wav.js';
import { Rng } from '../../src/rng.js';
import { addNoiseAtSnr, signalPower } from '../../src/signal/audio/noise.js';
import { put, rejectsAsync, tempDir } from '../support/data.fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const spec = {
  voices: ['en-us', 'en-gb-x-rp'],
  variants: ['m1', 'm3', 'f1', 'f2', 'f4', 'm7'],
  speeds: [140, 180],
  pitches: [40],
  snrs: [Number.POSITIVE_INFINITY, 10],
  seed: 3,
};

test('plan: every digit × voice × variant × speed × pitch × SNR once; no speaker in both splits; same seed, same plan', () => {
  const plan = planSpokenDigits(spec);
  assert.equal(plan.samples.length, 2 * 6 * 2 * 1 * 10 * 2);
  assert.equal(plan.testVariants.length, 2, 'a quarter of 6 variants, rounded');
  assert.deepEqual([...plan.trainVariants, ...plan.testVariants].sort(), [...spec.variants].sort());
  const trainSpeakers = new Set(plan.samples.filter((s) => s.split === 'train').map((s) => s.variant));
  for (const s of plan.samples.filter((s) => s.split === 'test')) assert.ok(!trainSpeakers.has(s.variant));
  for (const split of ['train', 'test'] as const) {
    const digits = new Set(plan.samples.filter((s) => s.split === split).map((s) => s.digit));
    assert.equal(digits.size, 10, `every digit in ${split}`);
  }
  // samples that differ only in SNR share an utterance; noise seeds are all different
  assert.equal(plan.samples[0]!.utterance, plan.samples[1]!.utterance);
  assert.notEqual(plan.samples[1]!.utterance, plan.samples[2]!.utterance);
  assert.equal(new Set(plan.samples.map((s) => s.noiseSeed)).size, plan.samples.length);
  assert.deepEqual(planSpokenDigits(spec), plan);
  assert.notDeepEqual(splitVariants(spec.variants, 4).test, splitVariants(spec.variants, 3).test);
  assert.throws(() => splitVariants(['m1'], 1), /at least 2 variants/);
});

test('noise at an SNR: the measured ratio of powers is the one asked for', () => {
  const x = Float32Array.from({ length: 40000 }, (_, n) => (n < 30000 ? 0.5 * Math.sin(n / 5) : 0));
  const p = signalPower(x);
  assert.ok(Math.abs(p - 0.125) < 1e-3, 'silence is left out of the power');
  for (const snr of [20, 10, 0]) {
    const y = addNoiseAtSnr(x, snr, new Rng(snr));
    let noise = 0;
    for (let n = 0; n < x.length; n++) noise += (y[n]! - x[n]!) ** 2;
    const measured = 10 * Math.log10(p / (noise / x.length));
    assert.ok(Math.abs(measured - snr) < 0.1, `${snr} dB measured as ${measured}`);
  }
  assert.deepEqual(addNoiseAtSnr(x, Number.POSITIVE_INFINITY, new Rng(1)), x);
  assert.deepEqual(addNoiseAtSnr(x, 10, new Rng(9)), addNoiseAtSnr(x, 10, new Rng(9)));
});

test('WAV: 16-bit mono round trip, and a stereo 8-bit file averaged to mono', () => {
  const x = Float32Array.from({ length: 100 }, (_, n) => Math.sin(n / 3) * 0.9);
  const w = parseWav(wavBytes(x, 16000), 'x.wav');
  assert.equal(w.sampleRate, 16000);
  for (let n = 0; n < 100; n++) assert.ok(Math.abs(w.samples[n]! - x[n]!) < 2 / 32767); // written ×32767, read ÷32768
  const b = wavBytes(new Float32Array(2), 8000);
  const v = new DataView(b.buffer);
  v.setUint16(22, 2, true); // two channels of 8 bits: the 4 data bytes are 2 frames
  v.setUint16(34, 8, true);
  b.set([128 + 64, 128, 0, 128], 44);
  const s = parseWav(b, 'st.wav');
  assert.deepEqual([...s.samples], [0.25, -0.5]);
  assert.throws(() => parseWav(new Uint8Array(20), 'bad.wav'), /not a WAV file/);
});

test('spoken-digits dataset: the time-series folder the script writes; a folder without a manifest says how to make one', async () => {
  const dir = tempDir('sd');
  await rejectsAsync(loadSpokenDigits('train', { dataDir: dir }), 'E_NOT_FOUND', 'scripts/spoken-digits.sh');
  put(join(dir, 'manifest.json'), '{}');
  put(join(dir, 'classes.txt'), `${DIGIT_WORDS.join('\n')}\n`);
  put(
    join(dir, 'train_x.npy'),
    npyBytes(
      [2, 5, 3],
      Float32Array.from({ length: 30 }, (_, k) => k / 30),
    ),
  );
  put(join(dir, 'train_y.npy'), npyBytes([2], Float32Array.from([7, 2])));
  const ds = await openDataset('spoken-digits', 'train', { dataDir: dir });
  assert.equal(ds.name, 'spoken-digits-train');
  assert.deepEqual(ds.sampleShape, [5, 3]);
  assert.equal(ds.classes[ds.label(0)], 'seven');
});

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

test('the script makes a small set with espeak-ng, deterministic from the seed', {
  skip: hasEspeak ? false : 'espeak-ng is not installed (apt-get install espeak-ng)',
  timeout: 60_000,
}, async () => {
  const make = (out: string) =>
    execFileSync(
      'node',
      [
        '--import',
        'tsx',
        'scripts/spoken-digits.ts',
        ...['--out', out, '--voices', 'en-us', '--variants', 'm1,f2', '--speeds', '160', '--pitches', '50'],
        ...['--snrs', 'inf,5', '--seed', '2', '--bands', '16'],
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
  const a = tempDir('sd-a');
  const b = tempDir('sd-b');
  make(a);
  make(b);
  const train = await openDataset('spoken-digits', 'train', { dataDir: a });
  const test = await openDataset('spoken-digits', 'test', { dataDir: a });
  assert.equal(train.length + test.length, 2 * 10 * 2);
  assert.deepEqual(train.sampleShape, [50, 16]);
  assert.deepEqual(readFileSync(join(a, 'train_x.npy')), readFileSync(join(b, 'train_x.npy')));
  const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
  assert.equal(manifest.samples.length, 40);
  assert.equal(manifest.split.test.length, 1);
  writeFileSync(join(a, 'checked'), '');
});
