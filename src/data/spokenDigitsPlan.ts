/**
 * What the synthetic spoken-digit set holds, decided before any audio is made: every digit word spoken by every
 * (voice, variant) pair at every speed and pitch, each utterance then copied once per noise SNR. espeak-ng's voices
 * give the accent (en-us, en-gb-x-rp, …) and its variants the vocal tract (m1 … f4): a variant is a speaker, so the
 * test set holds out whole variants, drawn with the seed: no speaker is heard in both sets, under any accent.
 * Every sample's noise has its own seed derived from the set's seed and the sample's index, so one sample can be
 * rebuilt alone and the order of work does not change the numbers.
 */
import { check } from '../errors.js';
import { Rng } from '../rng.js';
import type { Split } from './mnistFormat.js';

export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

export interface SpokenDigitsSpec {
  /** espeak-ng voice names (-v), e.g. en-us. */
  voices: readonly string[];
  /** espeak-ng variant names (appended as voice+variant), e.g. m1, f3. */
  variants: readonly string[];
  /** Words per minute (-s). */
  speeds: readonly number[];
  /** Pitch 0 … 99 (-p). */
  pitches: readonly number[];
  /** Noise levels in dB; Infinity for a clean copy. */
  snrs: readonly number[];
  seed: number;
  /** Share of the variants held out for testing (default 0.25, at least one, and at least one left to train). */
  testFraction?: number;
}

export interface PlannedSample {
  readonly digit: number;
  readonly voice: string;
  readonly variant: string;
  readonly speed: number;
  readonly pitch: number;
  readonly snr: number;
  readonly split: Split;
  /** Seeds this sample's noise. */
  readonly noiseSeed: number;
  /** Which utterance (espeak-ng call) it copies: samples differing only in SNR share it. */
  readonly utterance: number;
}

export interface SpokenDigitsPlan {
  readonly trainVariants: readonly string[];
  readonly testVariants: readonly string[];
  readonly samples: readonly PlannedSample[];
}

export function splitVariants(
  variants: readonly string[],
  seed: number,
  fraction = 0.25,
): { train: string[]; test: string[] } {
  check(variants.length >= 2, `a split by speaker needs at least 2 variants, got ${variants.length}`);
  check(fraction > 0 && fraction < 1, `the test fraction must be in (0, 1), got ${fraction}`);
  const sorted = [...variants].sort();
  const order = Array.from(new Rng(seed).shuffle(Int32Array.from(sorted, (_, i) => i)), (i) => sorted[i]!);
  const nTest = Math.min(order.length - 1, Math.max(1, Math.round(order.length * fraction)));
  return { test: order.slice(0, nTest).sort(), train: order.slice(nTest).sort() };
}

export function planSpokenDigits(spec: SpokenDigitsSpec): SpokenDigitsPlan {
  check(spec.voices.length > 0, 'no voices to speak the digits');
  check(
    spec.speeds.length > 0 && spec.pitches.length > 0 && spec.snrs.length > 0,
    'speeds, pitches and SNRs must not be empty',
  );
  const { train, test } = splitVariants(spec.variants, spec.seed, spec.testFraction);
  const testSet = new Set(test);
  const samples: PlannedSample[] = [];
  let utterance = 0;
  for (const voice of spec.voices)
    for (const variant of [...train, ...test])
      for (const speed of spec.speeds)
        for (const pitch of spec.pitches) {
          for (let digit = 0; digit < 10; digit++) {
            for (const snr of spec.snrs) {
              const noiseSeed = (Math.imul(spec.seed >>> 0, 0x9e3779b1) + samples.length) >>> 0;
              const split: Split = testSet.has(variant) ? 'test' : 'train';
              samples.push({ digit, voice, variant, speed, pitch, snr, split, noiseSeed, utterance });
            }
            utterance++;
          }
        }
  return { trainVariants: train, testVariants: test, samples };
}
