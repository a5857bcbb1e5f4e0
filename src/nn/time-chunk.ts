/**
 * The time-chunked forward (`--time-chunk K`): the T steps run K at a time, so the forward's transient
 * tensors hold K·B rows instead of T·B and memory stops growing with T.
 *
 *  - Evaluation runs chunk by chunk through every layer: neurons carry their membrane from one chunk to the next
 *    and the readout adds up its share, so nothing of size T·B exists.
 *  - Training (representation mode, nn/grad-mode.ts) must normalise each batch-norm with statistics over all
 *    T·B rows (docs/method.md §3), which are only known after every chunk has passed. So it runs layer-major, one segment
 *    (the layers up to and including a neuron) at a time: a first sweep over the chunks gathers the statistics
 *    of the segment's batch-norm input, a second applies them and runs the neuron. Between segments the spike
 *    trains are kept as bits (1 bit per neuron·step, kernels packSpikes/unpackSpikes), 32× less than float32.
 *    The price is a second forward through each segment's conv/linear layers. Layers keep their time-means as
 *    usual (accumulated chunk by chunk), so the backward is the unchunked representation-mode backward.
 *
 * Applies to sequential bodies of conv, linear, batch-norm, pooling, flatten and neuron layers (mnistnet, VGG-11
 * without dropout); other models are refused with one line when the network is built.
 */
import { SpikerepError } from '../errors.js';
import type { Buf } from '../kernels/kernels.js';
import { type Tensor, tensor } from '../tensor.js';
import type { BatchStatistics, Layer, RunContext } from './layer.js';
import { chunkOf } from './run-mode.js';
import { Scratch } from './scratch.js';

/** What feeds a chunk: the same [B, …] at every step, a caller's [T·B, …] tensor, or a spike train as bits. */
type Source =
  | { readonly kind: 'static'; readonly x: Tensor }
  | { readonly kind: 'dense'; readonly x: Tensor }
  | {
      readonly kind: 'bits';
      readonly bits: Buf;
      readonly wordsPerStep: number;
      readonly magnitude: number;
      readonly step: readonly number[];
    };

/** Layers up to and including a neuron (the last segment may end without one). */
interface Segment {
  readonly layers: readonly Layer[];
  /** The magnitude of the spikes the segment ends with; null for a last segment that ends without a neuron. */
  readonly spikeMagnitude: (() => number) | null;
}

/** Throws the one-line reason when these layers cannot run in time chunks. */
export function checkChunkable(layers: readonly Layer[], model: string): void {
  const bad = layers.find((l) => l.timing === 'whole-pass');
  if (bad !== undefined) {
    const what = bad.children().length > 0 ? 'nested blocks (residual connections)' : `a '${bad.kind}' layer`;
    throw new SpikerepError(
      'E_ARG',
      `works on plain sequential models (mnistnet, vgg11); ${model} has ${what}`,
      'timeChunk',
    );
  }
}

export class TimeChunker {
  private readonly segments: Segment[] = [];
  private readonly chunkIn = new Scratch();
  private readonly bits = [new Scratch(), new Scratch()];
  private readonly chunkMean = new Scratch();
  private readonly chunkVar = new Scratch();

  constructor(
    private readonly layers: readonly Layer[],
    readonly K: number,
  ) {
    if (!Number.isInteger(K) || K < 1)
      throw new SpikerepError('E_ARG', `must be an integer ≥ 1, got ${K}`, 'timeChunk');
    let current: Layer[] = [];
    for (const l of layers) {
      current.push(l);
      if (l.spikeMagnitude !== undefined) {
        this.segments.push({ layers: current, spikeMagnitude: l.spikeMagnitude.bind(l) });
        current = [];
      }
    }
    if (current.length > 0) this.segments.push({ layers: current, spikeMagnitude: null });
  }

  /**
   * Runs the layers over all ctx.T steps of `input` (static [B, …] or time-major [T·B, …]) and feeds each chunk
   * of the last layer's output to `consume` (which must accumulate, e.g. the rate readout).
   */
  forward(input: Tensor, isStatic: boolean, ctx: RunContext, consume: (y: Tensor, chunkCtx: RunContext) => void): void {
    const source: Source = isStatic ? { kind: 'static', x: input } : { kind: 'dense', x: input };
    if (ctx.mode.phase === 'eval') this.chunkMajor(source, ctx, consume);
    else this.layerMajor(source, ctx, consume);
  }

  /** Evaluation: every chunk through every layer. */
  private chunkMajor(source: Source, ctx: RunContext, consume: (y: Tensor, c: RunContext) => void): void {
    for (const c of this.chunks(ctx)) {
      let h = this.chunkOf(source, c, ctx);
      for (const l of this.layers) h = l.forward(h, c);
      consume(h, c);
    }
  }

  /**
   * Training: segment by segment, two sweeps where a batch-norm needs statistics over all steps. (Dropout refuses
   * chunked training itself: the two sweeps would draw different masks.)
   */
  private layerMajor(source: Source, ctx: RunContext, consume: (y: Tensor, c: RunContext) => void): void {
    let src = source;
    this.segments.forEach((seg, s) => {
      seg.layers.forEach((l, i) => {
        if (l.batchStatistics !== undefined) this.gatherStatistics(src, seg.layers.slice(0, i), l.batchStatistics, ctx);
      });
      const last = s === this.segments.length - 1;
      let out: { bits: Buf; wordsPerStep: number; step: number[] } | null = null;
      for (const c of this.chunks(ctx)) {
        let h = this.chunkOf(src, c, ctx);
        for (const l of seg.layers) h = l.forward(h, c);
        if (last) consume(h, c);
        else out = this.pack(h, c, ctx, s, out);
      }
      if (!last) {
        if (seg.spikeMagnitude === null || out === null)
          throw new SpikerepError('E_ARG', 'time chunks: a middle segment must end in a neuron', 'timeChunk');
        src = {
          kind: 'bits',
          bits: out.bits,
          wordsPerStep: out.wordsPerStep,
          magnitude: seg.spikeMagnitude(),
          step: out.step,
        };
      }
    });
  }

  /**
   * One sweep over the chunks through `before` and the layers in front of bn's batch-norm, gathering the mean and
   * biased variance of the batch-norm's input.
   */
  private gatherStatistics(src: Source, before: readonly Layer[], bn: BatchStatistics, ctx: RunContext): void {
    const C = bn.channels;
    const { k } = ctx;
    const mean = new Float64Array(C);
    const m2 = new Float64Array(C); // Σ (x − mean)², combined across chunks (Chan et al.)
    const chunkMean = this.chunkMean.get(k, C);
    const chunkVar = this.chunkVar.get(k, C);
    let count = 0;
    for (const c of this.chunks(ctx)) {
      let h = this.chunkOf(src, c, ctx);
      for (const l of before) h = l.forward(h, c);
      h = bn.normInput(h, c);
      const rows = h.data.length / C;
      k.batchNormStats(h.data, chunkMean, chunkVar, { rows, channels: C });
      const total = count + rows;
      for (let j = 0; j < C; j++) {
        const delta = chunkMean[j]! - mean[j]!;
        mean[j]! += (delta * rows) / total;
        m2[j]! += chunkVar[j]! * rows + (delta * delta * count * rows) / total;
      }
      count = total;
    }
    const variance = m2.map((v) => v / count);
    bn.setBatchStatistics(mean, variance, count * (ctx.mode.phase === 'train' ? ctx.mode.timeCopies : 1), ctx);
  }

  /** The contexts of the chunks: steps [start, start + K) of ctx.T. */
  private *chunks(ctx: RunContext): Generator<RunContext> {
    for (let start = 0; start < ctx.T; start += this.K) {
      yield { ...ctx, T: Math.min(this.K, ctx.T - start), mode: chunkOf(ctx.mode, start, ctx.T) };
    }
  }

  /** The chunk's input, [K·B, …]. */
  private chunkOf(src: Source, c: RunContext, ctx: RunContext): Tensor {
    const { k } = ctx;
    const start = c.mode.steps.start;
    switch (src.kind) {
      case 'static': {
        if (c.T === 1) return src.x; // one step: the static input itself, no copy
        const n = src.x.data.length;
        const out = this.chunkIn.get(k, n * c.T);
        k.elementwise([src.x.data], out, { op: 'copy' }); // x repeats c.T times
        return tensor([src.x.shape[0]! * c.T, ...src.x.shape.slice(1)], out);
      }
      case 'dense': {
        const n = src.x.data.length / ctx.T;
        return tensor(
          [(src.x.shape[0]! / ctx.T) * c.T, ...src.x.shape.slice(1)],
          src.x.data.subarray(start * n, (start + c.T) * n),
        );
      }
      case 'bits': {
        const n = src.step.reduce((a, b) => a * b, 1);
        const out = this.chunkIn.get(k, n * c.T);
        for (let t = 0; t < c.T; t++) {
          const w = (start + t) * src.wordsPerStep;
          k.unpackSpikes(src.bits.subarray(w, w + src.wordsPerStep), out.subarray(t * n, (t + 1) * n), {
            magnitude: src.magnitude,
          });
        }
        return tensor([src.step[0]! * c.T, ...src.step.slice(1)], out);
      }
    }
  }

  /** Packs a chunk of a segment's spikes into that segment's bit buffer (two buffers alternate between segments). */
  private pack(
    h: Tensor,
    c: RunContext,
    ctx: RunContext,
    segment: number,
    out: { bits: Buf; wordsPerStep: number; step: number[] } | null,
  ): { bits: Buf; wordsPerStep: number; step: number[] } {
    const n = h.data.length / c.T;
    const step = [h.shape[0]! / c.T, ...h.shape.slice(1)];
    const wordsPerStep = Math.ceil(n / 32);
    const target = out ?? { bits: this.bits[segment % 2]!.get(ctx.k, wordsPerStep * ctx.T), wordsPerStep, step };
    const start = c.mode.steps.start;
    for (let t = 0; t < c.T; t++) {
      const w = (start + t) * wordsPerStep;
      ctx.k.packSpikes(h.data.subarray(t * n, (t + 1) * n), target.bits.subarray(w, w + wordsPerStep));
    }
    return target;
  }
}
