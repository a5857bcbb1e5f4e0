/**
 * One description for every signal encoder, so that a dataset, a recipe or a flag can name one: the spec is data,
 * `encodeSignal` dispatches on its kind, and `parseSignalEncoder` reads the text form `kind` or `kind:key=value,…`
 * (`delta:threshold=0.1`, `population:neurons=8,min=0,max=1`). Output widths: delta, level-crossing and
 * step-forward give 2C columns (OFF, ON per channel), poisson C, population C·neurons.
 */
import { check, SpikerepError } from '../errors.js';
import { Rng } from '../rng.js';
import { deltaEncode } from './delta.js';
import { levelCrossingEncode } from './level-crossing.js';
import { poissonWindowEncode } from './poisson-window.js';
import { populationEncode } from './population.js';
import type { Signal, SpikeTrain } from './signal.js';
import { stepForwardEncode } from './step-forward.js';

export type SignalEncoderSpec =
  | { kind: 'delta'; threshold: number }
  | { kind: 'level-crossing'; spacing: number; offset?: number }
  | { kind: 'step-forward'; threshold: number }
  | { kind: 'poisson'; window: number; gain?: number; seed?: number }
  | { kind: 'population'; neurons: number; min: number; max: number; width?: number };

export const SIGNAL_ENCODERS = ['delta', 'level-crossing', 'step-forward', 'poisson', 'population'] as const;

/** The parameters each kind takes, the first ones required, with the defaults of the optional ones. */
const KEYS: Record<SignalEncoderSpec['kind'], { required: string[]; optional: Record<string, number> }> = {
  delta: { required: ['threshold'], optional: {} },
  'level-crossing': { required: ['spacing'], optional: { offset: 0 } },
  'step-forward': { required: ['threshold'], optional: {} },
  poisson: { required: ['window'], optional: { gain: 1, seed: 0 } },
  population: { required: ['neurons', 'min', 'max'], optional: { width: 1.5 } },
};

/** How many output columns the encoder makes from C input channels. */
export function encodedChannels(spec: SignalEncoderSpec, C: number): number {
  if (spec.kind === 'poisson') return C;
  if (spec.kind === 'population') return C * spec.neurons;
  return 2 * C;
}

/** Encodes one signal; `rng` overrides a poisson spec's own seed (datasets pass one per sample). */
export function encodeSignal(x: Signal, spec: SignalEncoderSpec, rng?: Rng): SpikeTrain {
  switch (spec.kind) {
    case 'delta':
      return deltaEncode(x, { threshold: spec.threshold }).spikes;
    case 'level-crossing':
      return levelCrossingEncode(x, { spacing: spec.spacing, offset: spec.offset }).spikes;
    case 'step-forward':
      return stepForwardEncode(x, { threshold: spec.threshold }).spikes;
    case 'poisson':
      return poissonWindowEncode(x, { window: spec.window, gain: spec.gain, rng: rng ?? new Rng(spec.seed ?? 0) });
    case 'population':
      return populationEncode(x, spec);
    default:
      return spec satisfies never;
  }
}

/** `kind` or `kind:key=value,…` → a spec; `what` names the flag or field in errors. */
export function parseSignalEncoder(text: string, what = '--signal-encoder'): SignalEncoderSpec {
  const [kind = '', rest = ''] = text.split(/:(.*)/s);
  if (!(SIGNAL_ENCODERS as readonly string[]).includes(kind))
    throw new SpikerepError('E_ARG', `expected one of ${SIGNAL_ENCODERS.join(', ')}, got '${kind}'`, what);
  const keys = KEYS[kind as SignalEncoderSpec['kind']];
  const values: Record<string, number> = { ...keys.optional };
  for (const part of rest.split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*([a-z]+)\s*=\s*(\S+)\s*$/.exec(part);
    const v = m === null ? Number.NaN : Number(m[2]);
    if (m === null || !Number.isFinite(v))
      throw new SpikerepError('E_ARG', `expected key=number for ${kind}, got '${part}'`, what);
    if (!keys.required.includes(m[1]!) && !(m[1]! in keys.optional))
      throw new SpikerepError(
        'E_ARG',
        `${kind} takes ${[...keys.required, ...Object.keys(keys.optional)].join(', ')}, not '${m[1]}'`,
        what,
      );
    values[m[1]!] = v;
  }
  const missing = keys.required.filter((k) => values[k] === undefined);
  check(missing.length === 0, `${kind} needs ${missing.map((k) => `${k}=…`).join(', ')}`, what);
  return { kind, ...values } as SignalEncoderSpec;
}
