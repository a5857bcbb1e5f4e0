/**
 * A layer of spiking neurons with one trainable scalar threshold `${name}.vth` (docs/method.md §2.4). Three modes share
 * the forward dynamics and differ in the backward:
 *  - 'dsr':  Differentiation on Spike Representation (snn/dsr.ts, docs/method.md §2.2–2.3);
 *  - 'bptt': backpropagation through time with a sigmoid surrogate (the baseline);
 *  - 'ann':  the mapping DSR differentiates, y = clamp(x, 0, Vth), for the T = 1 ANN;
 *  - 'relu': y = max(x, 0), the T = 1 ANN hybrid training pre-trains (docs/method.md §4.4); it has no threshold to learn.
 * Input and output are time-major [T·B, …] with T = ctx.T; each step is one contiguous block of n values.
 */
import { SpikerepError } from '../errors.js';
import type { Buf, ConvGeometry, Kernels, NeuronNormalization } from '../kernels/kernels.js';
import { type NeuronConfig, validateNeuronConfig } from '../snn/config.js';
import { forwardAttrs, surrogateBackwardAttrs, surrogateForwardAttrs } from '../snn/description.js';
import {
  clampThreshold,
  dsrBackward,
  dsrBackwardFromRep,
  dsrBackwardFromSum,
  dsrBackwardOnce,
  dsrBackwardSummed,
  simulate,
} from '../snn/dsr.js';
import { gradientWeights, inputWeights, type NeuronModel, neuronModel } from '../snn/model.js';
import { DEFAULT_SURROGATE_SLOPE } from '../snn/surrogate.js';
import { type Tensor, tensor } from '../tensor.js';
import type { NormalizedInput } from './batchnorm.js';
import { takeCache } from './cache.js';
import { reduceOverTime, summedGradients } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { isTraining, type Layer, type RunContext, totalSteps } from './layer.js';
import { joinName, makeParam, type Param } from './param.js';
import { passesOutputThrough, readsOutput } from './pass-through.js';
import { repeatOverTime, sumOverSteps } from './repeat-time.js';
import { Scratch } from './scratch.js';
import type { SharedStepsGradient } from './shared-steps.js';

export type NeuronMode = 'dsr' | 'bptt' | 'ann' | 'relu';

export interface SpikingNeuronOptions {
  /** Full path of the layer ("layer1.0.relu1"); its threshold is `${name}.vth`. */
  readonly name: string;
  readonly config: NeuronConfig;
  readonly mode: NeuronMode;
  /** Slope of the BPTT sigmoid surrogate on z = (u − α·Vth)/Vth (default 4, snn/surrogate.ts). */
  readonly surrogateSlope?: number;
  /**
   * 'ann'/'relu' at T > 1: the same clamp at every step. For models over series, whose input changes per step, the
   * non-spiking baseline runs all T steps; image models run their ANN at T = 1.
   */
  readonly analogOverTime?: boolean;
}

/**
 * Everything kept between forward and backward, in one place. `model` fixes the threshold the forward used.
 *  - dsr:  the input current for all T steps, as the reference code saves it (docs/method.md §2.1). Held, not copied,
 *          like PyTorch's save_for_backward. (A representation-level cache of n floats would suffice for the
 *          DSR backward, see dsrBackwardFromRep; this reproduces the reference code's memory.)
 *  - bptt: the membrane u[t] before reset for all T steps, in a buffer this layer owns and reuses.
 *  - ann, relu: the input x, held, for the clamp masks.
 */
/**
 * A change to a layer's forward for robustness studies (src/robustness/). Off (null) by default, where it costs one
 * check per forward. `input` may return another input current to run on; `spikes` edits the output [T·n] in place,
 * given the value one spike carries (Vth for the analog modes).
 */
export interface NeuronPerturbation {
  input?(k: Kernels, x: Tensor, ctx: RunContext): Tensor;
  spikes?(k: Kernels, y: Buf, ctx: RunContext, magnitude: number): void;
}

/** Marks `wrapper`, a replacement of a neuron layer's forward, as one that does not read the spikes it returns. */
export const passesSpikesThrough = passesOutputThrough;

/** Where forwardPooled writes: the pooling's geometry over the spikes [T·B, H, W, C] and its output buffer. */
export interface PooledOutput {
  readonly g: ConvGeometry;
  readonly out: Buf;
}

function pooledShape(g: ConvGeometry): number[] {
  return [g.batch, g.outH, g.outW, g.outC];
}

type NeuronCache =
  | { readonly mode: 'dsr'; readonly model: NeuronModel; readonly input: Tensor }
  | {
      readonly mode: 'dsr-representation';
      readonly model: NeuronModel;
      readonly inputRep: Buf;
      readonly steps: number;
      readonly shape: readonly number[];
    }
  | {
      // a normalised input never written (forwardNormalized) in exact mode: Ī, gathered by the forward
      readonly mode: 'dsr-rep';
      readonly model: NeuronModel;
      readonly inputRep: Buf;
      readonly shape: readonly number[];
    }
  | {
      // an input given once (forwardRepeated) in exact mode: Ī; the backward returns the once-given input's gradient
      readonly mode: 'dsr-once';
      readonly model: NeuronModel;
      readonly inputRep: Buf;
      readonly shape: readonly number[];
    }
  | { readonly mode: 'bptt'; readonly model: NeuronModel; readonly membrane: Buf; readonly shape: readonly number[] }
  | { readonly mode: 'ann' | 'relu'; readonly model: NeuronModel; readonly input: Tensor };

export class SpikingNeuron implements Layer {
  readonly kind = 'neuron';
  readonly timing = 'stateful';
  readonly vth: Param;
  private readonly slope: number;
  private cache: NeuronCache | null = null;
  private readonly work = {
    out: new Scratch(),
    membrane: new Scratch(),
    inputRep: new Scratch(),
    gradRep: new Scratch(),
    gradRepIn: new Scratch(),
    state: new Scratch(),
    current: new Scratch(),
    repeated: new Scratch(),
    normed: new Scratch(),
  };
  private counting = false;
  /** The last forward was forwardRepeated's fallback on T copies of its input. */
  private givenCopies = false;
  private count = { spikes: 0, neuronSteps: 0 };

  constructor(
    init: { readonly k: Kernels },
    readonly opts: SpikingNeuronOptions,
  ) {
    validateNeuronConfig(opts.config, opts.name);
    this.slope = opts.surrogateSlope ?? DEFAULT_SURROGATE_SLOPE;
    if (!(Number.isFinite(this.slope) && this.slope > 0)) {
      throw new SpikerepError('E_ARG', `surrogateSlope must be > 0, got ${this.slope}`, opts.name);
    }
    this.vth = makeParam(init.k, joinName(opts.name, 'vth'), 'threshold', [1]);
    this.vth.value[0] = opts.config.vth;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /** Vth ← max(Vth, bound) in place, before every forward (docs/method.md §2.4); returns the clamped value. */
  private clampVth(): number {
    const v = this.vth.value;
    v[0] = clampThreshold(v[0]!, this.opts.config.vthBound);
    return v[0]!;
  }

  forward(current: Tensor, ctx: RunContext): Tensor {
    return this.run(current, ctx, null);
  }

  /**
   * Whether this pass may run forwardPooled / forwardRepeatedPooled in place of forward and a pooling of its
   * spikes: the DSR neuron, whose backward needs its input (or Ī), never its spikes, and nothing else reading the
   * spikes — what takesNormalizedInput rules out (a robustness hook, an observer, time chunks, a forward replaced
   * by a recorder: the report's raster, `run --record`, tests) and a spike count (energy metrics).
   */
  poolsOwnSpikes(ctx: RunContext): boolean {
    return this.takesNormalizedInput(ctx) && !this.counting;
  }

  private replaced(method: 'forward' | 'forwardRepeated'): boolean {
    return readsOutput(this, method);
  }

  /**
   * forward, then the average pooling `pool.g` of the spikes, written straight into `pool.out` (kernels'
   * `pooled`): the spike train itself is never written. Only where poolsOwnSpikes(ctx).
   */
  forwardPooled(current: Tensor, ctx: RunContext, pool: PooledOutput): Tensor {
    return this.run(current, ctx, pool);
  }

  /**
   * Whether this pass may run forwardNormalized: the DSR neuron, whose backward needs Ī only, and nothing else
   * reading its input current — no robustness hook, no observer, no time chunks (the chunks' Ī is summed from the
   * written input), and no forward replaced on this layer (a recorder) unless marked passesSpikesThrough.
   */
  takesNormalizedInput(ctx: RunContext): boolean {
    return (
      this.opts.mode === 'dsr' &&
      this.perturbation === null &&
      this.observeInput === null &&
      !ctx.mode.steps.chunked &&
      !this.replaced('forward') &&
      !this.replaced('forwardRepeated')
    );
  }

  /**
   * forward (or forwardPooled) on the batch-norm of `input.x`, applied as the kernel reads it (kernels'
   * `normalized`): the normalised current is never written. Training keeps Ī in both gradient modes. Only where
   * takesNormalizedInput(ctx).
   */
  forwardNormalized(input: NormalizedInput, ctx: RunContext, pool: PooledOutput | null): Tensor {
    return this.run(input.x, ctx, pool, input.norm);
  }

  /**
   * forwardRepeated (or forwardRepeatedPooled) on the batch-norm of `input.x`, as forwardNormalized. Training
   * writes the normalised input anyway (n floats, 1/T of the steps' input): it is Ī, all the backward keeps.
   */
  forwardRepeatedNormalized(input: NormalizedInput, ctx: RunContext, pool: PooledOutput | null): Tensor {
    return this.runOnce(input.x, ctx, pool, input.norm);
  }

  private run(current: Tensor, ctx: RunContext, pool: PooledOutput | null, norm?: NeuronNormalization): Tensor {
    const { k, T } = ctx;
    if (pool !== null && !this.poolsOwnSpikes(ctx)) throw new Error(`${this.opts.name}: its spikes are read`);
    if (norm !== undefined && !this.takesNormalizedInput(ctx)) throw new Error(`${this.opts.name}: its input is read`);
    this.givenCopies = false;
    const x = this.perturbation?.input?.(k, current, ctx) ?? current;
    const model = neuronModel({ ...this.opts.config, vth: this.clampVth() });
    const n = this.perStep(x, T);
    this.observeInput?.(x);
    if ((this.opts.mode === 'ann' || this.opts.mode === 'relu') && T !== 1 && this.opts.analogOverTime !== true) {
      throw new SpikerepError('E_ARG', `mode '${this.opts.mode}' needs T = 1, got T = ${T}`, this.opts.name);
    }
    const y = pool === null ? this.work.out.get(k, T * n) : pool.out;
    this.releaseCache();
    const training = isTraining(ctx);
    const window = ctx.mode.steps.chunked ? ctx.mode.steps : undefined;
    if (window !== undefined && training && !(this.opts.mode === 'dsr' && summedGradients(ctx))) {
      throw new SpikerepError(
        'E_ARG',
        'a time-chunked training forward needs DSR neurons and `gradMode` representation',
        this.opts.name,
      );
    }
    let state: { membrane: Buf; current?: Buf } | undefined;
    if (window !== undefined) {
      // time chunks: the membrane (and the synaptic current) carry over from the previous chunk of this pass
      state = { membrane: this.work.state.get(k, n) };
      if (model.synapse !== null) state.current = this.work.current.get(k, n);
      if (window.start === 0) for (const b of Object.values(state)) k.elementwise([], b, { op: 'fill', value: 0 });
    }
    switch (this.opts.mode) {
      case 'dsr': {
        // representation mode keeps Ī (or Ī_w), n floats: all the DSR backward needs (nn/grad-mode.ts); a whole
        // pass gathers it as the forward reads the input
        // (a normalised input, never written, leaves Ī as the only thing to keep in exact mode too)
        const keepRep = training && (summedGradients(ctx) || norm !== undefined);
        const inputRep = keepRep ? this.work.inputRep.get(k, n) : null;
        const buffers = window === undefined && inputRep !== null ? { inputRep } : state;
        k.neuronForward(x.data, y, {
          ...forwardAttrs(model, T, n, buffers),
          ...(pool === null ? {} : { pooled: pool.g }),
          ...(norm === undefined ? {} : { normalized: norm }),
        });
        if (inputRep !== null && !summedGradients(ctx)) {
          this.cache = { mode: 'dsr-rep', model, inputRep, shape: x.shape };
        } else if (inputRep !== null) {
          if (window !== undefined) {
            const w = inputWeights(model, totalSteps(ctx)).subarray(window.start, window.start + T);
            reduceOverTime(k, x.data, inputRep, w, T, n, ctx);
          }
          const steps = totalSteps(ctx);
          this.cache = {
            mode: 'dsr-representation',
            model,
            inputRep,
            steps,
            shape: [x.shape[0]! / T, ...x.shape.slice(1)],
          };
        } else if (training) this.cache = { mode: 'dsr', model, input: x };
        break;
      }
      case 'bptt': {
        if (state !== undefined) {
          // eval in time chunks: the BPTT neuron has the same forward dynamics as the DSR neuron
          simulate(k, model, x.data, y, null, T, n, state);
          break;
        }
        if (training && summedGradients(ctx)) {
          throw new SpikerepError(
            'E_ARG',
            'the BPTT baseline has no representation-level gradient: use `gradMode` exact',
            this.opts.name,
          );
        }
        const trace = this.work.membrane.get(k, T * n);
        k.neuronForward(x.data, y, surrogateForwardAttrs(model, T, n, trace, this.slope));
        if (training) {
          this.cache = { mode: 'bptt', model, membrane: trace, shape: x.shape };
        }
        break;
      }
      case 'ann':
        k.elementwise([x.data], y, { op: 'clamp', lo: 0, hi: model.vth });
        if (training) this.cache = { mode: 'ann', model, input: x };
        break;
      case 'relu':
        k.elementwise([x.data], y, { op: 'clamp', lo: 0, hi: Infinity });
        if (training) this.cache = { mode: 'relu', model, input: x };
        break;
      default:
        this.opts.mode satisfies never;
    }
    if (this.perturbation?.spikes !== undefined) {
      const analog = this.opts.mode === 'ann' || this.opts.mode === 'relu';
      this.perturbation.spikes(k, y, ctx, analog ? model.vth : Math.fround(model.spikeScale * model.vth));
    }
    if (this.counting) this.countSpikes(k, y, model, T * n);
    return tensor(pool === null ? x.shape : pooledShape(pool.g), y);
  }

  /**
   * The same current at every step, given once [B, …]: the DSR forward reads each neuron's current once instead of
   * T copies, and training keeps Ī = Σ_t w_t·x = (Σ_t w_t)·x without a pass over T steps, all the DSR backward
   * needs in either gradient mode (the exact mode's T-step input never exists). Other modes, hooks and time
   * chunks run forward on the repeated input.
   */
  forwardRepeated(current: Tensor, ctx: RunContext): Tensor {
    return this.runOnce(current, ctx, null);
  }

  /** forwardRepeated, then the pooling of its spikes, as forwardPooled. Only where poolsOwnSpikes(ctx). */
  forwardRepeatedPooled(current: Tensor, ctx: RunContext, pool: PooledOutput): Tensor {
    return this.runOnce(current, ctx, pool);
  }

  private runOnce(given: Tensor, ctx: RunContext, pool: PooledOutput | null, norm?: NeuronNormalization): Tensor {
    const { k, T } = ctx;
    const training = isTraining(ctx);
    if (pool !== null && !this.poolsOwnSpikes(ctx)) throw new Error(`${this.opts.name}: its spikes are read`);
    if (norm !== undefined && !this.takesNormalizedInput(ctx)) throw new Error(`${this.opts.name}: its input is read`);
    let current = given;
    let normalized = norm;
    if (norm !== undefined && training) {
      // Ī is the normalised input itself (times Σ_t w_t): write it, n floats, and run on it as before
      const y = this.work.normed.get(k, given.data.length);
      const C = norm.channels;
      k.batchNormApply(given.data, y, norm.mean, norm.invStd, norm.gamma, norm.beta, {
        rows: y.length / C,
        channels: C,
      });
      current = tensor(given.shape, y);
      normalized = undefined;
    }
    if (
      this.opts.mode !== 'dsr' ||
      this.perturbation !== null ||
      this.observeInput !== null ||
      ctx.mode.steps.chunked
    ) {
      const y = this.run(repeatOverTime(k, current, T, this.work.repeated), ctx, pool);
      this.givenCopies = true;
      return y;
    }
    this.givenCopies = false;
    const model = neuronModel({ ...this.opts.config, vth: this.clampVth() });
    const n = current.data.length;
    const y = pool === null ? this.work.out.get(k, T * n) : pool.out;
    this.releaseCache();
    k.neuronForward(current.data, y, {
      ...forwardAttrs(model, T, n),
      inputOnce: true,
      ...(pool === null ? {} : { pooled: pool.g }),
      ...(normalized === undefined ? {} : { normalized }),
    });
    if (training) {
      let weight = 0;
      for (const w of inputWeights(model, T)) weight += w;
      // IF's weights sum to 1: Ī is the input itself, held (not copied) until backward like the exact mode's input
      let inputRep = current.data;
      if (weight !== 1) {
        inputRep = this.work.inputRep.get(k, n);
        k.elementwise([current.data], inputRep, { op: 'scale', alpha: weight });
      }
      this.cache = summedGradients(ctx)
        ? { mode: 'dsr-representation', model, inputRep, steps: T, shape: current.shape }
        : { mode: 'dsr-once', model, inputRep, shape: current.shape };
    }
    if (this.counting) this.countSpikes(k, y, model, T * n);
    return tensor(pool === null ? [current.shape[0]! * T, ...current.shape.slice(1)] : pooledShape(pool.g), y);
  }

  /** Set by robustness sweeps and noise-aware training; see NeuronPerturbation. */
  perturbation: NeuronPerturbation | null = null;

  /**
   * Called with every forward's input current while set (e.g. to calibrate thresholds from an ANN's
   * activations for hybrid training, train/hybrid.ts). Not for hot paths.
   */
  observeInput: ((x: Tensor) => void) | null = null;

  /** The value every spike of this layer carries (Vth, or Vth/Δt for LIF), rounded as the kernels round it. */
  spikeMagnitude(): number {
    const c = this.opts.config;
    return neuronModel(c).magnitude(clampThreshold(this.vth.value[0]!, c.vthBound));
  }

  /** Starts counting spikes over the forwards that follow (for firing rates and synaptic operations). */
  startCounting(): void {
    this.counting = true;
    this.count = { spikes: 0, neuronSteps: 0 };
  }

  stopCounting(): void {
    this.counting = false;
  }

  /**
   * Spikes and neuron·steps seen since startCounting. In 'ann' and 'relu' modes `spikes` is Σ y/Vth: the rate an
   * IF neuron with that threshold would approach.
   */
  get counted(): { readonly spikes: number; readonly neuronSteps: number } {
    return { ...this.count };
  }

  private countSpikes(k: Kernels, y: Buf, model: NeuronModel, neuronSteps: number): void {
    const total = k.reduce(y, { op: 'sum' });
    const analog = this.opts.mode === 'ann' || this.opts.mode === 'relu';
    const magnitude = analog ? model.vth : Math.fround(model.spikeScale * model.vth);
    const spikes = total / magnitude;
    this.count.spikes += analog ? spikes : Math.round(spikes);
    this.count.neuronSteps += neuronSteps;
  }

  /**
   * The weights w when this backward reads dy only through Σ_t w_t·dy[t], its time sum (the exact gradient mode
   * from a kept Ī: an input given once, or normalised by the neuron itself): a per-step linear layer after the
   * neuron may then take that sum first (nn/neuron-pool.ts). Null otherwise, or when this layer's backward was
   * replaced (a hook that sees its gradient).
   */
  summedGradientWeights(ctx: RunContext): Float64Array | null {
    const cache = this.cache;
    if (cache === null || (cache.mode !== 'dsr-once' && cache.mode !== 'dsr-rep')) return null;
    if (readsOutput(this, 'backward') || this.givenCopies) return null;
    return gradientWeights(cache.model, ctx.T);
  }

  /**
   * backward for a dy already summed over time with summedGradientWeights' weights. `shared`: the layer below takes
   * a gradient held once for all steps (nn/shared-steps.ts), so a per-step input gradient, the same at every step,
   * is not repeated T times.
   */
  backwardSummed(gradSum: Tensor, ctx: RunContext, shared = false): Tensor {
    const { k, T } = ctx;
    const cache = takeCache(this.cache, this.opts.name);
    const n = gradSum.data.length;
    let out: Tensor;
    if (cache.mode === 'dsr-once') {
      // the once-given input's gradient: the masked sum itself
      const dx = takeGrad(k, n);
      this.vth.grad[0]! += dsrBackwardSummed(k, cache.model, cache.inputRep, gradSum.data, dx, T);
      out = tensor(cache.shape, dx);
    } else if (cache.mode === 'dsr-rep') {
      // dsrBackwardFromSum's scaled gIn repeats over its output's T steps; an output of n floats holds it once
      const steps = shared && T > 1 && cache.shape[0]! % T === 0 ? T : 1;
      const dx = takeGrad(k, (T / steps) * n);
      const gradRepIn = this.work.gradRepIn.get(k, n);
      this.vth.grad[0]! += dsrBackwardFromSum(k, cache.model, cache.inputRep, gradSum.data, dx, T, gradRepIn);
      const shape = [cache.shape[0]! / steps, ...cache.shape.slice(1)];
      out = steps === 1 ? tensor(shape, dx) : ({ ...tensor(shape, dx), sharedSteps: steps } as SharedStepsGradient);
    } else throw new SpikerepError('E_ARG', `${this.opts.name}: no summed backward here`);
    this.releaseCache();
    return out;
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { k, T } = ctx;
    const cache = takeCache(this.cache, this.opts.name);
    const n = dy.data.length / T;
    if (cache.mode === 'dsr-once') {
      const dx = takeGrad(k, n);
      this.vth.grad[0]! += dsrBackwardOnce(k, cache.model, cache.inputRep, dy.data, dx, T, this.work.gradRep.get(k, n));
      this.releaseCache();
      return tensor(cache.shape, dx);
    }
    const dx = takeGrad(k, dy.data.length);
    let gradVth: number;
    switch (cache.mode) {
      case 'dsr-rep': {
        const work = { gradRep: this.work.gradRep.get(k, n), gradRepIn: this.work.gradRepIn.get(k, n) };
        gradVth = dsrBackwardFromRep(k, cache.model, cache.inputRep, dy.data, dx, T, n, work);
        break;
      }
      case 'dsr-representation':
        // dy is G = Σ_t dL/do[t] = Gc; the input gradient summed over t is the masked gIn itself
        gradVth = dsrBackwardSummed(k, cache.model, cache.inputRep, dy.data, dx, cache.steps);
        break;
      case 'dsr': {
        const work = {
          inputRep: this.work.inputRep.get(k, n),
          gradRep: this.work.gradRep.get(k, n),
          gradRepIn: this.work.gradRepIn.get(k, n),
        };
        gradVth = dsrBackward(k, cache.model, cache.input.data, dy.data, dx, T, n, work);
        break;
      }
      case 'bptt':
        gradVth = k.neuronBackward(dy.data, dx, surrogateBackwardAttrs(cache.model, T, n, cache.membrane, this.slope));
        gradVth *= cache.model.config.vthGradScale;
        break;
      case 'ann': {
        // d clamp(x, 0, V)/dx = 1 on the closed interval [0, V]; d/dV = 1 where x > V.
        const hi = Math.fround(cache.model.vth);
        gradVth = k.neuronBackward(dy.data, dx, {
          mode: 'representation',
          n: dy.data.length,
          inputRep: cache.input.data,
          hi,
          slope: 1,
          closed: true,
        });
        gradVth *= cache.model.config.vthGradScale;
        break;
      }
      case 'relu':
        // PyTorch's ReLU backward: the gradient passes where x > 0 (the open interval up to +∞)
        k.neuronBackward(dy.data, dx, {
          mode: 'representation',
          n: dy.data.length,
          inputRep: cache.input.data,
          hi: Infinity,
          slope: 1,
          closed: false,
        });
        gradVth = 0;
        break;
    }
    this.vth.grad[0]! += gradVth;
    const shape = 'shape' in cache ? cache.shape : cache.input.shape;
    this.releaseCache();
    // forwardRepeated ran forward on T copies: the once-given input's gradient is their sum over the steps
    if (this.givenCopies && !summedGradients(ctx)) return sumOverSteps(k, tensor(shape, dx), T);
    return tensor(shape, dx);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return this.opts.mode === 'relu' ? [] : [this.vth];
  }

  cachedFloats(): number {
    if (this.cache === null) return 0;
    switch (this.cache.mode) {
      case 'bptt':
        return this.cache.membrane.length;
      case 'dsr-representation':
      case 'dsr-once':
      case 'dsr-rep':
        return this.cache.inputRep.length;
      default:
        return this.cache.input.data.length;
    }
  }

  releaseCache(): void {
    this.cache = null;
  }

  private perStep(x: Tensor, T: number): number {
    const rows = x.shape[0] ?? 0;
    if (x.shape.length < 2 || rows % T !== 0) {
      throw new SpikerepError(
        'E_SHAPE',
        `expected [T·B, …] with T = ${T}, got [${x.shape.join(', ')}]`,
        this.opts.name,
      );
    }
    return x.data.length / T;
  }
}
