import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { type GradMode, summedGradients } from './grad-mode.js';
import { giveGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import type { Param } from './param.js';
import { repeatOverTime } from './repeat-time.js';
import { evalMode, oncePerSample, trainMode } from './run-mode.js';
import { Scratch } from './scratch.js';
import { Sequential } from './sequential.js';
import { checkChunkable, TimeChunker } from './time-chunk.js';

/** How the input reaches the first layer. */
export type Encoding =
  /** [B, …] analog images, presented unchanged at every one of the T steps (docs/method.md §3: cat([x]*T)). */
  | 'direct'
  /** [T·B, …] already time-major (Poisson/latency-encoded images, DVS frames). */
  | 'time-major';

export interface ForwardOptions {
  training: boolean;
  rng: Rng;
  encoding?: Encoding;
}

export interface NetworkOptions {
  k: Kernels;
  T: number;
  body: Layer;
  readout: Layer;
  /** One sample's input shape [H, W, C] (used for operation counts and checkpoints). */
  inputShape?: readonly number[];
  classes: number;
  /**
   * With direct encoding every step sees the same image, so the layers before the first neuron give the same
   * output at every step: run them once on [B, …] and repeat the result T times, and in backward run them once
   * on the gradient summed over T. Exact in real arithmetic, including BN over T×B (identical copies have the
   * same mean and biased variance; the summed gradient is what the copies' gradients add up to). Default on;
   * off reproduces the reference code's T-fold computation.
   */
  firstLayersOnce?: boolean;
  /** 'exact' (default, the reference code's backward) or 'representation' (nn/grad-mode.ts). */
  gradMode?: GradMode;
  /**
   * Run the forward K steps at a time (nn/time-chunk.ts): memory no longer grows with T. Training then needs
   * gradMode 'representation'. Absent, or ≥ T: one pass over all T steps.
   */
  timeChunk?: number;
  /** The model's name, for messages. */
  modelName?: string;
  /** Input that changes every step (a series): its first layers, and the ANN of the same shape, run all T steps. */
  seriesInput?: boolean;
}

/**
 * A spiking network: a body of layers over time-major [T·B, …] tensors and a readout that turns the last
 * neuron layer's spikes into logits [B, classes] (the (weighted) firing rate, docs/method.md §3). The ANN of the same
 * shape is the same network with clamp neurons and T = 1.
 */
export class Network {
  readonly k: Kernels;
  readonly T: number;
  readonly body: Layer;
  readonly readout: Layer;
  readonly inputShape: readonly number[] | undefined;
  readonly classes: number;
  readonly seriesInput: boolean;
  /** The time-invariant leading layers run once per sample (empty when disabled or not applicable). */
  private readonly prefix: Layer[];
  /** The layers after the prefix; used only when the prefix ran. */
  private readonly rest: Sequential;
  readonly gradMode: GradMode;
  private ctx: RunContext | null = null;
  private usedPrefix = false;
  private readonly repeated = new Scratch();
  private readonly gradLogits = new Scratch();
  private readonly chunkers: { rest: TimeChunker; body: TimeChunker } | null = null;

  constructor(opts: NetworkOptions) {
    if (!Number.isInteger(opts.T) || opts.T < 1)
      throw new SpikerepError('E_ARG', `T must be an integer ≥ 1, got ${opts.T}`, 'T');
    this.k = opts.k;
    this.T = opts.T;
    this.body = opts.body;
    this.readout = opts.readout;
    this.inputShape = opts.inputShape;
    this.classes = opts.classes;
    this.seriesInput = opts.seriesInput ?? false;
    this.gradMode = opts.gradMode ?? 'exact';
    const sequential = opts.body.kind === 'sequential';
    const layers = sequential ? opts.body.children() : [opts.body];
    let cut = 0;
    // layers whose output at a step depends only on that step's input, and that draw nothing per step
    if ((opts.firstLayersOnce ?? true) && sequential)
      while (cut < layers.length && layers[cut]!.timing === 'per-step') cut++;
    this.prefix = layers.slice(0, cut);
    this.rest = new Sequential(layers.slice(cut));
    if (opts.timeChunk !== undefined && opts.timeChunk < opts.T) {
      checkChunkable(layers, opts.modelName ?? 'this model');
      if (!sequential) throw new SpikerepError('E_ARG', 'time chunks need a sequential body', 'timeChunk');
      this.chunkers = {
        rest: new TimeChunker(layers.slice(cut), opts.timeChunk),
        body: new TimeChunker(layers, opts.timeChunk),
      };
    }
    // Nobody uses the input gradient of the first layer: skip that pass.
    layers[0]?.skipInputGradient?.();
  }

  /** Runs T steps and returns the logits [B, classes], valid until the next forward. */
  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const encoding = opts.encoding ?? 'direct';
    const batch = encoding === 'direct' ? x.shape[0]! : x.shape[0]! / this.T;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new SpikerepError(
        'E_SHAPE',
        `time-major input has ${x.shape[0]} rows, not a multiple of T = ${this.T}`,
        'input',
      );
    }
    const mode = opts.training ? trainMode(this.T, this.gradMode) : evalMode(this.T);
    const ctx: RunContext = { k: this.k, T: this.T, batch, rng: opts.rng, mode };
    this.ctx = ctx;
    this.usedPrefix = encoding === 'direct' && this.prefix.length > 0;
    if (this.chunkers !== null) return this.forwardInChunks(x, encoding, ctx, this.chunkers);
    let h: Tensor;
    if (this.usedPrefix) {
      h = this.forwardOnce(x, ctx);
    } else {
      h = this.body.forward(encoding === 'direct' ? repeatOverTime(this.k, x, this.T, this.repeated) : x, ctx);
    }
    return this.readout.forward(h, ctx);
  }

  /**
   * The time-invariant first layers once per sample, then the rest on their output given once. A batch-norm block
   * ending them leaves its apply to a neuron starting the rest, where nothing else reads it (nn/norm-neuron.ts).
   */
  private forwardOnce(x: Tensor, ctx: RunContext): Tensor {
    const once = this.onceContext(ctx);
    const last = this.prefix.length - 1;
    let h = x;
    for (let i = 0; i < last; i++) h = this.prefix[i]!.forward(h, once);
    const block = this.prefix[last]!;
    return (
      this.rest.forwardRepeatedAfter(block, h, once, ctx) ?? this.rest.forwardRepeated(block.forward(h, once), ctx)
    );
  }

  /** The time-invariant first layers, once per sample: [B, …] in, [B, …] out. */
  private forwardPrefix(x: Tensor, ctx: RunContext): Tensor {
    const once = this.onceContext(ctx);
    let h = x;
    for (const l of this.prefix) h = l.forward(h, once);
    return h;
  }

  /** The same pass, T/K chunks of K steps at a time (nn/time-chunk.ts). */
  private forwardInChunks(
    x: Tensor,
    encoding: Encoding,
    ctx: RunContext,
    chunkers: { rest: TimeChunker; body: TimeChunker },
  ): Tensor {
    if (ctx.mode.phase === 'train' && !summedGradients(ctx)) {
      throw new SpikerepError('E_ARG', "training in time chunks needs gradMode 'representation'", 'timeChunk');
    }
    let logits: Tensor | null = null;
    const consume = (y: Tensor, c: RunContext): void => {
      logits = this.readout.forward(y, c);
    };
    if (this.usedPrefix) chunkers.rest.forward(this.forwardPrefix(x, ctx), true, ctx, consume);
    else chunkers.body.forward(x, encoding === 'direct', ctx, consume);
    if (logits === null) throw new SpikerepError('E_ARG', 'time chunks: the forward produced no output', 'timeChunk');
    return logits;
  }

  /** Backpropagates dLoss/dlogits; parameter gradients accumulate into Param.grad. */
  backward(dLogits: Tensor): void {
    const ctx = this.ctx;
    if (ctx === null || ctx.mode.phase !== 'train')
      throw new SpikerepError('E_ARG', 'backward needs a preceding forward in training mode', 'network');
    const k = this.k;
    const dSpikes = this.readout.backward(dLogits, ctx);
    if (this.usedPrefix) {
      const below = this.rest.backward(dSpikes, ctx);
      giveGrad(k, dSpikes, below);
      let g = below; // rest.forwardRepeated's backward gives the gradient of the once-given input
      const once = this.onceContext(ctx);
      for (let i = this.prefix.length - 1; i >= 0; i--) {
        const next = this.prefix[i]!.backward(g, once);
        giveGrad(k, g, next);
        g = next;
      }
      giveGrad(k, g);
    } else {
      const first = this.body.backward(dSpikes, ctx);
      giveGrad(k, dSpikes, first);
      giveGrad(k, first);
    }
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

  /** The prefix sees one copy of each sample; BN's running variance still counts the T copies. */
  private onceContext(ctx: RunContext): RunContext {
    return { ...ctx, T: 1, mode: oncePerSample(ctx.mode, this.T) };
  }
}
