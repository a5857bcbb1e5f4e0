/**
 * A [T, C] signal dataset (time series, spoken digits) seen through a signal encoder (src/signal/encode.ts): each
 * sample is read, encoded, and handed on as its spike train [T, C'], so a network trains on spikes made from the
 * user's signal. Random encoders (poisson) draw from an Rng seeded by the spec's seed and the sample's index, so a
 * sample's spikes do not depend on which batch or order it is read in.
 */
import { check } from '../errors.js';
import { Rng } from '../rng.js';
import { encodedChannels, encodeSignal, type SignalEncoderSpec } from '../signal/encode.js';
import type { Dataset } from './dataset.js';

export function encodedSignals(ds: Dataset, spec: SignalEncoderSpec): Dataset {
  check(
    ds.sampleShape.length === 2,
    `signal encoders take [time, channels] samples, ${ds.name} has [${ds.sampleShape.join(', ')}]`,
  );
  const [T, C] = ds.sampleShape as [number, number];
  const width = encodedChannels(spec, C);
  const raw = new Float32Array(T * C);
  const seed = spec.kind === 'poisson' ? (spec.seed ?? 0) : 0;
  return {
    name: `${ds.name}+${spec.kind}`,
    length: ds.length,
    sampleShape: [T, width],
    classes: ds.classes,
    stats: undefined,
    normalized: false,
    label: (i) => ds.label(i),
    read: (i, out, offset) => {
      ds.read(i, raw, 0);
      const rng = spec.kind === 'poisson' ? new Rng((Math.imul(seed >>> 0, 0x9e3779b1) + i) >>> 0) : undefined;
      out.set(encodeSignal({ T, C, data: raw }, spec, rng).data, offset);
    },
  };
}
