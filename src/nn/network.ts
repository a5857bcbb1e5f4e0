import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { SpikerepError } from '../errors.js';
import type { Layer, RunContext } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

/** How the input reaches the first layer. */
export type Encoding =
  /** [B, …] analog images, presented unchanged at every one of the T steps (spec §3: cat([x]*T)). */
  | 'direct'
  /** [T·B, …] already time-major (Poisson/latency-encoded images, DVS frames). */
  | 'time-major';

export interface ForwardOptions {
  training: boolean;
  rng: Rng;
  encoding?: Encoding;
}

/**
 * A spiking network: a body of layers over time-major [T·B, …] tensors and a readout that turns the last
 * neuron layer's spikes into logits [B, classes] (the (weighted) firing rate, spec §3). The ANN of the same
 * shape is the same network with clamp neurons and T = 1.
 */
export class Network {
  readonly k: Kernels;
  readonly T: number;
  readonly body: Layer;
  readonly readout: Layer;
  /** One sample's input shape [H, W, C] (used for operation counts); undefined when not known. */
  readonly inputShape: readonly number[] | undefined;
  /** Output classes (logits per sample). */
  readonly classes: number;
  private ctx: RunContext | null = null;
  private readonly repeated = new Scratch();
  private readonly gradLogits = new Scratch();

  constructor(opts: { k: Kernels; T: number; body: Layer; readout: Layer; inputShape?: readonly number[]; classes: number }) {
    if (!Number.isInteger(opts.T) || opts.T < 1) throw new SpikerepError('E_ARG', `T must be an integer ≥ 1, got ${opts.T}`, '--T');
    this.k = opts.k;
    this.T = opts.T;
    this.body = opts.body;
    this.readout = opts.readout;
    this.inputShape = opts.inputShape;
    this.classes = opts.classes;
  }

  /** Runs T steps and returns the logits [B, classes]. In training mode the layers keep what backward needs. */
  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const encoding = opts.encoding ?? 'direct';
    const batch = encoding === 'direct' ? x.shape[0]! : x.shape[0]! / this.T;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new SpikerepError('E_SHAPE', `time-major input has ${x.shape[0]} rows, not a multiple of T = ${this.T}`, 'input');
    }
    const ctx: RunContext = { k: this.k, T: this.T, batch, training: opts.training, rng: opts.rng };
    this.ctx = ctx;
    const input = encoding === 'direct' ? this.repeatOverTime(x) : x;
    const spikes = this.body.forward(input, ctx);
    const logits = this.readout.forward(spikes, ctx);
    return logits;
  }

  /** Backpropagates dLoss/dlogits; parameter gradients accumulate into Param.grad. */
  backward(dLogits: Tensor): void {
    const ctx = this.ctx;
    if (ctx === null || !ctx.training) throw new SpikerepError('E_ARG', 'backward needs a preceding forward in training mode', 'network');
    const dSpikes = this.readout.backward(dLogits, ctx);
    this.body.backward(dSpikes, ctx);
    this.ctx = null;
  }

  /** A reusable buffer for dLoss/dlogits. */
  lossGrad(n: number): Float32Array {
    return this.gradLogits.get(this.k, n);
  }

  params(): Param[] {
    return [...this.body.params(), ...this.readout.params()];
  }

  /** Floats currently held for backward, summed over layers: the activation memory of a training step. */
  cachedFloats(): number {
    return this.body.cachedFloats() + this.readout.cachedFloats();
  }

  releaseCache(): void {
    this.body.releaseCache();
    this.readout.releaseCache();
    this.ctx = null;
  }

  /** Direct encoding: the same analog image at every step, time-major. */
  private repeatOverTime(x: Tensor): Tensor {
    const n = x.data.length;
    const out = this.repeated.get(this.k, n * this.T);
    this.k.timeBroadcast(x.data, out, 1, this.T, n);
    return { shape: [x.shape[0]! * this.T, ...x.shape.slice(1)], data: out };
  }
}
