/**
 * What a search varies: learning rate (per optimiser), weight decay, α, initial threshold, T, batch size and the
 * optimiser. A dimension is a range (log-uniform unless `log: false`) or a list to choose from; one value fixes it.
 * Defaults follow the neuron kind (thresholds around its own Vth); a JSON file (`--space`) replaces any of them.
 */
import { z } from 'zod';
import { SpikerepError } from '../errors.js';
import { type NeuronChoice, neuronSpec } from '../models/neurons.js';
import type { Rng } from '../rng.js';
import { OPTIMIZERS, type OptimizerName, type TrainConfig } from '../train/config.js';
import { issueError } from '../train/fields.js';

export type Dim =
  | { readonly min: number; readonly max: number; readonly log: boolean }
  | { readonly choice: readonly number[] };

export interface SearchSpace {
  readonly optimizer: readonly OptimizerName[];
  readonly lr: Readonly<Record<OptimizerName, Dim>>;
  readonly weightDecay: Dim;
  /** null: the neuron kind has no such setting worth searching (the ANNs). */
  readonly alpha: Dim | null;
  readonly vth: Dim | null;
  readonly T: Dim;
  readonly batchSize: Dim;
}

/** One trial's settings: what it changes in the base config. */
export interface TrialParams {
  optimizer: OptimizerName;
  lr: number;
  weightDecay: number;
  alpha?: number;
  vth?: number;
  T: number;
  batchSize: number;
}

const log = (min: number, max: number): Dim => ({ min, max, log: true });

/** The ANN choices run once (T = 1) and have no firing threshold fraction to tune. */
const isAnn = (n: NeuronChoice): boolean => n === 'ann' || n === 'relu';

/** The default space for a neuron kind: thresholds log-uniform within 3× of its own default. */
export function defaultSpace(neuron: NeuronChoice): SearchSpace {
  const { vth } = neuronSpec(neuron).config;
  return {
    optimizer: ['sgd', 'adam'],
    lr: { sgd: log(0.01, 0.3), adam: log(1e-4, 3e-3) },
    weightDecay: log(1e-5, 1e-3),
    alpha: isAnn(neuron) ? null : { min: 0.2, max: 1, log: false },
    vth: log(vth / 3, vth * 3),
    T: { choice: isAnn(neuron) ? [1] : [1, 2, 4, 8] },
    batchSize: { choice: [32, 64, 128] },
  };
}

const positive = z.number().positive();
const range = z.strictObject({ min: positive, max: positive, log: z.boolean().default(true) });
/** One value, a list of values, or (for real settings) a range; `what` words the values in the error line. */
const dimOf = (value: z.ZodNumber, what: string, ranged = true) =>
  z.union(
    [
      value.transform((v) => ({ choice: [v] })),
      z
        .array(value)
        .min(1)
        .transform((choice) => ({ choice })),
      ...(ranged ? [range] : []),
    ],
    {
      error: `expected ${what}, a non-empty list of them${ranged ? ', or {"min": a, "max": b, "log": true|false}' : ''}`,
    },
  );
const intDim = dimOf(z.int().positive(), 'an integer ≥ 1', false);
const realDim = dimOf(positive, 'a number > 0');
const wdDim = dimOf(z.number().nonnegative(), 'a number ≥ 0');
const alphaDim = dimOf(z.number().gt(0).lte(1), 'a number in (0, 1]');
const SPACE_FILE = z.strictObject({
  optimizer: z.union([z.enum(OPTIMIZERS).transform((o) => [o]), z.array(z.enum(OPTIMIZERS)).min(1)]).optional(),
  lr: z
    .union([realDim, z.strictObject({ sgd: realDim.optional(), adam: realDim.optional() })], {
      error:
        'expected a number > 0, a list, a range {"min", "max", "log"}, or one of those per optimiser {"sgd": …, "adam": …}',
    })
    .optional(),
  weightDecay: wdDim.optional(),
  alpha: alphaDim.optional(),
  vth: realDim.optional(),
  T: intDim.optional(),
  batchSize: intDim.optional(),
});

/** A space file's contents (already JSON-parsed) over `base`: each dimension it names replaces the base's. */
export function parseSpace(raw: unknown, base: SearchSpace, path: string): SearchSpace {
  const r = SPACE_FILE.safeParse(raw);
  if (!r.success) throw issueError(r.error, path);
  const f = r.data;
  const lr = f.lr === undefined ? base.lr : 'sgd' in f.lr || 'adam' in f.lr ? { ...base.lr, ...f.lr } : f.lr;
  const lrs: Record<OptimizerName, Dim> =
    'choice' in lr || 'min' in lr ? { sgd: lr as Dim, adam: lr as Dim } : (lr as Record<OptimizerName, Dim>);
  const out: SearchSpace = {
    optimizer: f.optimizer ?? base.optimizer,
    lr: lrs,
    weightDecay: f.weightDecay ?? base.weightDecay,
    alpha: f.alpha ?? base.alpha,
    vth: f.vth ?? base.vth,
    T: f.T ?? base.T,
    batchSize: f.batchSize ?? base.batchSize,
  };
  const dims: [string, Dim | null][] = [
    ['lr.sgd', out.lr.sgd],
    ['lr.adam', out.lr.adam],
    ['weightDecay', out.weightDecay],
    ['alpha', out.alpha],
    ['vth', out.vth],
  ];
  for (const [name, d] of dims) {
    if (d !== null && 'min' in d && d.max < d.min) {
      throw new SpikerepError('E_FORMAT', `setting "${name}": max must be ≥ min, got ${d.min} > ${d.max}`, path);
    }
  }
  return out;
}

/** Settings given as flags are not searched: each becomes a one-value dimension. */
export function fixSettings(space: SearchSpace, given: Partial<TrainConfig>): SearchSpace {
  const one = (v: number | undefined, d: Dim | null): Dim | null => (v === undefined ? d : { choice: [v] });
  return {
    optimizer: given.optimizer === undefined ? space.optimizer : [given.optimizer],
    lr: given.lr === undefined ? space.lr : { sgd: { choice: [given.lr] }, adam: { choice: [given.lr] } },
    weightDecay: one(given.weightDecay, space.weightDecay)!,
    alpha: one(given.alpha, space.alpha),
    vth: one(given.vth, space.vth),
    T: one(given.T, space.T)!,
    batchSize: one(given.batchSize, space.batchSize)!,
  };
}

/** Under a T budget, T values above it are not tried (if any T fits; otherwise ranking sorts the trials out). */
export function limitT(space: SearchSpace, maxT: number | undefined): SearchSpace {
  if (maxT === undefined) return space;
  if ('choice' in space.T) {
    const fits = space.T.choice.filter((t) => t <= maxT);
    return fits.length > 0 ? { ...space, T: { choice: fits } } : space;
  }
  return space.T.min <= maxT ? { ...space, T: { ...space.T, max: Math.min(space.T.max, maxT) } } : space;
}

/** One draw per dimension, in a fixed order, rounded to 3 significant digits (what a recipe shows). */
export function sampleParams(space: SearchSpace, rng: Rng): TrialParams {
  const optimizer = space.optimizer[rng.int(space.optimizer.length)]!;
  const lr = draw(space.lr[optimizer], rng);
  const weightDecay = draw(space.weightDecay, rng);
  const alpha = space.alpha === null ? undefined : draw(space.alpha, rng);
  const vth = space.vth === null ? undefined : draw(space.vth, rng);
  const T = Math.round(draw(space.T, rng));
  const batchSize = Math.round(draw(space.batchSize, rng));
  const p: TrialParams = { optimizer, lr, weightDecay, T, batchSize };
  if (alpha !== undefined) p.alpha = Math.min(1, alpha);
  if (vth !== undefined) p.vth = vth;
  return p;
}

function draw(d: Dim, rng: Rng): number {
  if ('choice' in d) return d.choice[rng.int(d.choice.length)]!;
  const u = rng.uniform();
  const v = d.log ? Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min))) : d.min + u * (d.max - d.min);
  return Number(v.toPrecision(3));
}

/** The generator of trial `id`'s draws: its own stream, so a trial's settings do not depend on the order of work. */
export function trialSeed(seed: number, id: number): number {
  return (seed ^ Math.imul(id + 1, 0x9e3779b9)) >>> 0;
}

/** The base config with a trial's settings in it. */
export function withParams(base: TrainConfig, p: TrialParams): TrainConfig {
  return { ...base, ...p };
}

/** A space file's text: JSON, then parseSpace. */
export function parseSpaceText(text: string, base: SearchSpace, path: string): SearchSpace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SpikerepError(
      'E_FORMAT',
      `search space is not valid JSON (${(e as Error).message.split('\n')[0]})`,
      path,
    );
  }
  return parseSpace(raw, base, path);
}
