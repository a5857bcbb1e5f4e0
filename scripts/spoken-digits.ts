/**
 * Synthesises the spoken-digit set with espeak-ng (src/data/spokenDigitsPlan.ts says what it holds): one WAV per
 * utterance under <out>/wav (kept, so a second run reuses them), then per sample the utterance cut or padded to
 * --seconds, white noise at its SNR, and the audio front end (src/signal/audio/frontend.ts): log-mel features scaled
 * into [0, 1] per sample. Writes <out>/{train,test}_{x,y}.npy, classes.txt and manifest.json: the time-series layout
 * `spikerep train --dataset spoken-digits --data-dir <out>` reads. Deterministic from --seed.
 *   bash scripts/spoken-digits.sh [--out DIR] [--seed N] [--voices all|a,b] [--variants a,b|all] [--speeds 140,180]
 *     [--pitches 35,65] [--snrs inf,20,10] [--seconds 1] [--bands 32] [--hop-ms 20] [--jobs 2]
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { spokenDigitsDir } from '../src/data/spokenDigits.js';
import { DIGIT_WORDS, planSpokenDigits } from '../src/data/spokenDigitsPlan.js';
import { writeNpy } from '../src/io/npy.js';
import { parseWav } from '../src/io/wav.js';
import { Rng } from '../src/rng.js';
import { audioFeatures, type FrontEndOptions } from '../src/signal/audio/frontend.js';
import { addNoiseAtSnr } from '../src/signal/audio/noise.js';
import { minMaxScale } from '../src/signal/scale.js';
import { fail, scriptArgs, wholeNumber } from './script-args.js';

const run = promisify(execFile);
const NAME = 'spoken-digits';
const USAGE =
  'bash scripts/spoken-digits.sh [--out DIR] [--seed N] [--voices all|a,b] [--variants a,b|all] [--speeds 140,180] [--pitches 35,65] [--snrs inf,20,10] [--seconds 1] [--bands 32] [--hop-ms 20] [--jobs 2]';
const a = scriptArgs(NAME, USAGE, {
  out: { type: 'string' },
  seed: { type: 'string', default: '1' },
  voices: { type: 'string', default: 'all' },
  variants: { type: 'string', default: 'm1,m3,m5,m7,f1,f2,f3,f4' },
  speeds: { type: 'string', default: '140,180' },
  pitches: { type: 'string', default: '35,65' },
  snrs: { type: 'string', default: 'inf,20,10' },
  seconds: { type: 'string', default: '1' },
  bands: { type: 'string', default: '32' },
  'hop-ms': { type: 'string', default: '20' },
  jobs: { type: 'string', default: '2' },
});

const numbers = (flag: string, text: string, ok: (v: number) => boolean): number[] => {
  const vs = text.split(',').map((s) => (s.trim().toLowerCase() === 'inf' ? Number.POSITIVE_INFINITY : Number(s)));
  if (vs.length === 0 || !vs.every(ok)) fail(NAME, `--${flag}: expected comma-separated numbers, got '${text}'`);
  return vs;
};

/** espeak-ng's own English voices (file gmw/…), not the MBROLA ones that need another package. */
async function englishVoices(): Promise<string[]> {
  const { stdout } = await run('espeak-ng', ['--voices=en']);
  const names = stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 5 && c[4]!.startsWith('gmw/'))
    .map((c) => c[1]!);
  return [...new Set(names)].sort();
}

async function allVariants(): Promise<string[]> {
  const { stdout } = await run('espeak-ng', ['--voices=variant']);
  return stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[4] ?? '')
    .filter((f) => f.startsWith('!v/'))
    .map((f) => f.slice(3))
    .sort();
}

async function main(): Promise<void> {
  const started = Date.now();
  const out = resolve(a['out'] ?? spokenDigitsDir());
  const seed = wholeNumber(NAME, 'seed', a['seed'], 0);
  const jobs = wholeNumber(NAME, 'jobs', a['jobs'], 1);
  const seconds = numbers('seconds', a['seconds']!, (v) => v > 0 && v <= 10)[0]!;
  const bands = wholeNumber(NAME, 'bands', a['bands'], 1);
  const hopMs = numbers('hop-ms', a['hop-ms']!, (v) => v > 0 && v <= 100)[0]!;
  const voices = a['voices'] === 'all' ? await englishVoices() : a['voices']!.split(',');
  const variants = a['variants'] === 'all' ? await allVariants() : a['variants']!.split(',');
  const spec = {
    voices,
    variants,
    speeds: numbers('speeds', a['speeds']!, (v) => Number.isInteger(v) && v >= 80 && v <= 450),
    pitches: numbers('pitches', a['pitches']!, (v) => Number.isInteger(v) && v >= 0 && v <= 99),
    snrs: numbers('snrs', a['snrs']!, (v) => !Number.isNaN(v)),
    seed,
  };
  const plan = planSpokenDigits(spec);
  const { stdout: version } = await run('espeak-ng', ['--version']);

  // 1. one WAV per utterance, `jobs` espeak-ng processes at a time
  const wavOf = new Map<number, string>();
  for (const s of plan.samples) {
    if (wavOf.has(s.utterance)) continue;
    wavOf.set(
      s.utterance,
      join(out, 'wav', `${s.voice}+${s.variant}`, `s${s.speed}-p${s.pitch}-${DIGIT_WORDS[s.digit]}.wav`),
    );
  }
  const todo = plan.samples.filter((s, i) => i === 0 || plan.samples[i - 1]!.utterance !== s.utterance);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const s = todo[next++]!;
      const path = wavOf.get(s.utterance)!;
      if (existsSync(path)) continue;
      mkdirSync(join(path, '..'), { recursive: true });
      const args = ['-v', `${s.voice}+${s.variant}`, '-s', String(s.speed), '-p', String(s.pitch), '-w', path];
      await run('espeak-ng', [...args, DIGIT_WORDS[s.digit]!]);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  console.log(`${NAME}: ${wavOf.size} utterances in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // 2. features per sample: fixed length, noise at its SNR, log-mel, scaled into [0, 1]
  const first = parseWav(readFileSync(wavOf.get(0)!), wavOf.get(0)!);
  const sampleRate = first.sampleRate;
  const frontEnd: FrontEndOptions = {
    sampleRate,
    bands,
    frameMs: 25,
    hopMs,
    fmin: 50,
    fmax: Math.min(8000, sampleRate / 2),
  };
  const length = Math.round(seconds * sampleRate);
  const rows: Record<'train' | 'test', { x: Float32Array[]; y: number[] }> = {
    train: { x: [], y: [] },
    test: { x: [], y: [] },
  };
  let frames = 0;
  let cached: { utterance: number; samples: Float32Array } | undefined;
  for (const s of plan.samples) {
    if (cached?.utterance !== s.utterance) {
      const path = wavOf.get(s.utterance)!;
      const wave = parseWav(readFileSync(path), path);
      if (wave.sampleRate !== sampleRate) fail(NAME, `${path}: ${wave.sampleRate} Hz, expected ${sampleRate} Hz`);
      const fixed = new Float32Array(length);
      fixed.set(wave.samples.subarray(0, length));
      cached = { utterance: s.utterance, samples: fixed };
    }
    const noisy = addNoiseAtSnr(cached.samples, s.snr, new Rng(s.noiseSeed));
    const feats = minMaxScale(audioFeatures(noisy, frontEnd));
    frames = feats.T;
    rows[s.split].x.push(feats.data);
    rows[s.split].y.push(s.digit);
  }

  // 3. the time-series layout and the manifest
  mkdirSync(out, { recursive: true });
  for (const split of ['train', 'test'] as const) {
    const { x, y } = rows[split];
    const flat = new Float32Array(x.length * frames * bands);
    x.forEach((r, i) => flat.set(r, i * frames * bands));
    writeNpy(join(out, `${split}_x.npy`), [x.length, frames, bands], flat, `${split}_x.npy`);
    writeNpy(join(out, `${split}_y.npy`), [y.length], Float32Array.from(y), `${split}_y.npy`);
  }
  writeFileSync(join(out, 'classes.txt'), `${DIGIT_WORDS.join('\n')}\n`);
  const manifest = {
    generator: 'scripts/spoken-digits.sh',
    espeakNg: version.trim(),
    spec: { ...spec, snrs: spec.snrs.map((v) => (Number.isFinite(v) ? v : 'inf')) },
    split: { by: 'variant (speaker)', train: plan.trainVariants, test: plan.testVariants },
    audio: { sampleRate, seconds, frontEnd, scaling: 'min-max into [0, 1] per sample' },
    shape: { frames, bands },
    counts: { train: rows.train.y.length, test: rows.test.y.length, utterances: wavOf.size },
    samples: plan.samples.map((s) => ({
      digit: s.digit,
      voice: s.voice,
      variant: s.variant,
      speed: s.speed,
      pitch: s.pitch,
      snr: Number.isFinite(s.snr) ? s.snr : 'inf',
      split: s.split,
      wav: wavOf.get(s.utterance)!.slice(out.length + 1),
    })),
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${NAME}: ${rows.train.y.length} train + ${rows.test.y.length} test samples of [${frames}, ${bands}] in ${out} (${secs} s; test speakers ${plan.testVariants.join(', ')})`,
  );
}

main().catch((e: unknown) => fail(NAME, (e as Error).message.split('\n')[0]!));
