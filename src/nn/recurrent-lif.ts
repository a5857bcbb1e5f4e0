/**
 * A recurrent spiking layer: each neuron's input current at step t is its feed-forward current I[t] (computed by the
 * layers in front, per step) plus the previous step's spikes of the whole layer through a recurrent weight:
 *
 *   c[t] = I[t] + W_r·o[t−1]          (o[0] = 0; W_r [H, H])
 *   u[t] = decay·v[t−1] + gain·c[t]    (IF: 1, 1; LIF: λ, 1 − λ — the neuron description's own constants)
 *   s[t] = H(u[t]/V − α),  o[t] = spikeScale·V·s[t],  v[t] = u[t] − V·s[t]   (reset by subtraction)
 *
 * Trained by backpropagation through time with the BPTT baseline's sigmoid surrogate for dH, the gradient flowing
 * through the reset and the recurrence (as the BPTT neuron kernels, snn/surrogate.ts). DSR does not apply: its
 * backward (docs/method.md §2.2–2.3) differentiates an explicit map from the time-averaged input current to the
 * time-averaged spikes, and with W_r a step's input current depends on the layer's own earlier spikes — the rates
 * then satisfy an implicit equation a = f(Ī + W_r·a) that map has no term for (models/index.ts refuses it).
 * The analog modes give the non-spiking recurrent baseline: h[t] = clamp(I[t] + W_r·h[t−1], 0, hi) (ReLU: hi = ∞,
 * ANN: hi = V), over the same T steps.
 *
 * The time loop runs on the host in float64 (the recurrence needs each step's output before the next step's
 * input); input and output are time-major [T·B, H] backend buffers.
 */
import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import { type NeuronConfig, validateNeuronConfig } from '../snn/config.js';
import { clampThreshold } from '../snn/dsr.js';
import { type NeuronModel, neuronModel } from '../snn/model.js';
import { DEFAULT_SURROGATE_SLOPE, sigmoidSurrogate } from '../snn/surrogate.js';
import { type Tensor, tensor } from '../tensor.js';
import { takeCache } from './cache.js';
import { takeGrad } from './grad-pool.js';
import { uniform } from './init.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import { joinName, makeParam, type Param } from './param.js';
import { Scratch } from './scratch.js';

export type RecurrentMode = 'bptt' | 'ann' | 'relu';

export interface RecurrentLifOptions {
  /** Full path ("rnn.0"); params are `${name}.recurrent.weight` and `${name}.vth`. */
  readonly name: string;
  /** Neurons H (input and output features). */
  readonly size: number;
  readonly config: NeuronConfig;
  readonly mode: RecurrentMode;
  /** Slope of the sigmoid surrogate on z = u/V − α (default 4, snn/surrogate.ts). */
  readonly surrogateSlope?: number;
  /** Tests: fire s = σ(slope·z) instead of H(z), so the backward is this smooth forward's exact gradient. */
  readonly soft?: boolean;
}

/** The forward's trace: the membrane before reset u[t] and the outputs o[t], [T·B·H] each, in float64. */
interface RecurrentCache {
  readonly u: Float64Array;
  readonly o: Float64Array;
  readonly T: number;
  readonly vth: number;
  readonly model: NeuronModel;
  readonly shape: readonly number[];
}

export class RecurrentLif implements Layer {
  readonly kind = 'recurrent';
  /** Needs every step in one call, in order (no once-per-sample prefix, no time chunks). */
  readonly timing = 'whole-pass';
  readonly weight: Param;
  readonly vth: Param;
  private readonly slope: number;
  private cache: RecurrentCache | null = null;
  private readonly out = new Scratch();
  private counting = false;
  private count = { spikes: 0, neuronSteps: 0 };

  constructor(
    init: { readonly k: Kernels; readonly rng: Rng },
    readonly opts: RecurrentLifOptions,
  ) {
    validateNeuronConfig(opts.config, opts.name);
    const H = opts.size;
    if (!(Number.isInteger(H) && H >= 1))
      throw new SpikerepError('E_ARG', `size must be an integer ≥ 1, got ${H}`, opts.name);
    this.slope = opts.surrogateSlope ?? DEFAULT_SURROGATE_SLOPE;
    this.weight = makeParam(init.k, joinName(opts.name, 'recurrent.weight'), 'weight', [H, H]);
    // PyTorch's RNN default, U(−1/√H, 1/√H): the recurrent current starts no larger than one input's
    uniform(this.weight.value, -1 / Math.sqrt(H), 1 / Math.sqrt(H), init.rng);
    this.vth = makeParam(init.k, joinName(opts.name, 'vth'), 'threshold', [1]);
    this.vth.value[0] = opts.config.vth;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  private analog(): boolean {
    return this.opts.mode !== 'bptt';
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const { k, T } = ctx;
    const H = this.opts.size;
    const rows = x.shape[0] ?? 0;
    if (x.data.length !== rows * H || rows % T !== 0)
      throw new SpikerepError(
        'E_SHAPE',
        `expected [T·B, ${H}] with T = ${T}, got [${x.shape.join(', ')}]`,
        this.opts.name,
      );
    const B = rows / T;
    const n = B * H;
    const v0 = this.vth.value;
    v0[0] = clampThreshold(v0[0]!, this.opts.config.vthBound);
    const V = v0[0]!;
    const model = neuronModel({ ...this.opts.config, vth: V });
    const W = Float64Array.from(k.toHost(this.weight.value));
    const input = k.toHost(x.data);
    const y = this.out.get(k, T * n);
    const u = new Float64Array(T * n);
    const o = new Float64Array(T * n);
    const v = new Float64Array(n);
    const c = new Float64Array(H);
    const hi = this.opts.mode === 'ann' ? V : Number.POSITIVE_INFINITY;
    const magnitude = model.spikeScale * V;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const row = t * n + b * H;
        const prev = row - n; // the same sample one step earlier
        for (let i = 0; i < H; i++) c[i] = input[row + i]!;
        if (t > 0) {
          for (let j = 0; j < H; j++) {
            const oj = o[prev + j]!;
            if (oj === 0) continue; // spikes are sparse
            for (let i = 0; i < H; i++) c[i]! += W[i * H + j]! * oj;
          }
        }
        for (let i = 0; i < H; i++) {
          const at = row + i;
          if (this.analog()) {
            u[at] = c[i]!;
            o[at] = Math.min(Math.max(c[i]!, 0), hi);
            continue;
          }
          const ui = model.decay * v[b * H + i]! + model.gain * c[i]!;
          const z = ui / V - model.alpha;
          const s = this.opts.soft ? sigmoidSurrogate.primitive(z, this.slope) : z >= 0 ? 1 : 0;
          u[at] = ui;
          o[at] = magnitude * s;
          v[b * H + i] = ui - V * s;
        }
      }
    }
    for (let i = 0; i < y.length; i++) y[i] = o[i]!;
    k.fromHost(y);
    if (this.counting) {
      let total = 0;
      for (const oi of o) total += oi;
      // spikes, or for the analog modes Σ h/V, as the clamp neuron counts
      this.count.spikes += this.analog() ? total / V : Math.round(total / magnitude);
      this.count.neuronSteps += T * n;
    }
    this.cache = isTraining(ctx) ? { u, o, T, vth: V, model, shape: x.shape } : null;
    return tensor(x.shape, y);
  }

  /** Backpropagation through time: dL/dI [T·B, H] back, dL/dW_r and dL/dV accumulated. */
  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { k } = ctx;
    const { u, o, T, vth: V, model, shape } = takeCache(this.cache, this.opts.name);
    this.cache = null;
    const H = this.opts.size;
    const n = o.length / T;
    const B = n / H;
    const W = Float64Array.from(k.toHost(this.weight.value));
    const dO = k.toHost(dy.data);
    const dW = new Float64Array(H * H);
    const dx = takeGrad(k, T * n);
    const dv = new Float64Array(n); // dL/dv[t] from step t + 1
    const dcNext = new Float64Array(n); // dL/dc[t + 1]
    const dc = new Float64Array(n);
    const hi = this.opts.mode === 'ann' ? V : Number.POSITIVE_INFINITY;
    const m = model.spikeScale;
    let dV = 0;
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < H; i++) {
          const at = t * n + b * H + i;
          const local = b * H + i;
          // dL/do[t]: the loss's own, and step t + 1's recurrent current c[t+1] = I + W_r·o[t]
          let dOut = dO[at]!;
          if (t + 1 < T) for (let r = 0; r < H; r++) dOut += W[r * H + i]! * dcNext[b * H + r]!;
          if (this.analog()) {
            const pre = u[at]!;
            const pass = pre > 0 && pre < hi;
            dc[local] = pass ? dOut : 0;
            if (pre >= hi) dV += dOut; // d clamp(x, 0, V)/dV = 1 above V
            continue;
          }
          const ui = u[at]!;
          const z = ui / V - model.alpha;
          const s = o[at]! / (m * V);
          const surrogate = sigmoidSurrogate.derivative(z, this.slope);
          const dvt = dv[local]!;
          // o = m·V·s and v = u − V·s
          const ds = dOut * m * V - dvt * V;
          const du = dvt + (ds * surrogate) / V;
          dV += dOut * m * s - dvt * s - (ds * surrogate * ui) / (V * V);
          dc[local] = model.gain * du;
          dv[local] = model.decay * du;
        }
      }
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < H; i++) {
          const g = dc[b * H + i]!;
          dx[t * n + b * H + i] = g;
          if (t === 0 || g === 0) continue;
          const prev = (t - 1) * n + b * H;
          for (let j = 0; j < H; j++) dW[i * H + j]! += g * o[prev + j]!;
        }
      }
      dcNext.set(dc);
    }
    k.fromHost(dx);
    const gW = k.toHost(this.weight.grad);
    for (let i = 0; i < gW.length; i++) gW[i]! += dW[i]!;
    k.fromHost(gW);
    if (this.opts.mode !== 'relu') this.vth.grad[0]! += dV * this.opts.config.vthGradScale;
    return tensor(shape, dx);
  }

  /** Starts counting spikes over the forwards that follow (for the run's synaptic operations). */
  startCounting(): void {
    this.counting = true;
    this.count = { spikes: 0, neuronSteps: 0 };
  }

  stopCounting(): void {
    this.counting = false;
  }

  get counted(): { readonly spikes: number; readonly neuronSteps: number } {
    return { ...this.count };
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return this.opts.mode === 'relu' ? [this.weight] : [this.weight, this.vth];
  }

  cachedFloats(): number {
    return this.cache === null ? 0 : 2 * this.cache.o.length;
  }

  releaseCache(): void {
    this.cache = null;
  }
}
