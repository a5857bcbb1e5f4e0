/**
 * The network's output (docs/method.md §3): the last neuron layer's spikes [T·B, C] become the logits [B, C] for the
 * cross-entropy as their spike representation — the plain mean over T for IF, the weighted mean with weights
 * λ^(T−t)/Σw for LIF (the same for the BPTT variants), and the identity for the ANN (T = 1).
 * Backward hands step t the gradient w_t·dL/dlogits. Fed into the LIF neuron's DSR backward, whose Gc is
 * T·Σ_t w_t·g[t], that gives T·Σw²/(Σw)²·dL/da = 1.081751·dL/da at T = 20 — the reference code's
 * output-layer over-scale (docs/method.md §2.3, §6.16).
 */
import { SpikerepError } from '../errors.js';
import { type NeuronConfig, validateNeuronConfig } from '../snn/config.js';
import { type NeuronModel, neuronModel, representationWeights } from '../snn/model.js';
import { type Tensor, tensor } from '../tensor.js';
import { reduceOverTime, summedGradients } from './grad-mode.js';
import { takeGrad } from './grad-pool.js';
import { type Layer, type RunContext, totalSteps } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

export interface RateReadoutOptions {
  readonly name?: string;
  /** The last neuron layer's config: only its kind, τ and Δt matter (they fix the weights). */
  readonly config: NeuronConfig;
  /** 'rate' (default): the (weighted) rate over the T steps; 'last': the last step's output alone. */
  readonly kind?: ReadoutKind;
}

export type ReadoutKind = 'rate' | 'last';
export const READOUT_KINDS: readonly ReadoutKind[] = ['rate', 'last'];

/** The readout's weights over the steps of a pass: the representation's, or all on the last step. */
function readoutWeights(model: NeuronModel, kind: ReadoutKind, T: number): Float64Array {
  if (kind === 'rate') return representationWeights(model, T);
  const w = new Float64Array(T);
  w[T - 1] = 1;
  return w;
}

export class RateReadout implements Layer {
  readonly kind = 'readout';
  readonly timing = 'stateful';
  private readonly model: NeuronModel;
  private readonly out = new Scratch();

  constructor(readonly opts: RateReadoutOptions) {
    this.model = neuronModel(validateNeuronConfig(opts.config, opts.name ?? 'readout'));
  }

  outputShape(inputShape: readonly number[], ctx: Pick<RunContext, 'T' | 'batch'>): number[] {
    return [this.batchOf(inputShape, ctx.T), ...inputShape.slice(1)];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const { k, T } = ctx;
    const batch = this.batchOf(x.shape, T);
    const n = x.data.length / T;
    const logits = this.out.get(k, n);
    const start = ctx.mode.steps.start; // time chunks add their share (complete after the last chunk)
    const w = readoutWeights(this.model, this.opts.kind ?? 'rate', totalSteps(ctx)).subarray(start, start + T);
    reduceOverTime(k, x.data, logits, w, T, n, ctx);
    return tensor([batch, ...x.shape.slice(1)], logits);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const { k, T } = ctx;
    const n = dy.data.length;
    const w = readoutWeights(this.model, this.opts.kind ?? 'rate', T);
    if (summedGradients(ctx)) {
      // Representation mode passes the last neuron its Gc directly: T·Σ_t w_t·(w_t·dL/da) = T·Σw_t²·dL/da,
      // 1 for IF and the reference code's 1.081751 (T = 20) for LIF — the same as the exact path.
      let factor = 0;
      for (const wt of w) factor += wt * wt;
      const g = takeGrad(k, n);
      k.elementwise([dy.data], g, { op: 'scale', alpha: T * factor });
      return tensor(dy.shape, g);
    }
    const dx = takeGrad(k, T * n);
    for (let t = 0; t < T; t++)
      k.elementwise([dy.data], dx.subarray(t * n, (t + 1) * n), { op: 'scale', alpha: w[t]! });
    return tensor([T * dy.shape[0]!, ...dy.shape.slice(1)], dx);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [];
  }

  /** Nothing is kept: the backward needs only T and the weights. */
  cachedFloats(): number {
    return 0;
  }

  releaseCache(): void {}

  private batchOf(shape: readonly number[], T: number): number {
    const rows = shape[0] ?? 0;
    if (shape.length < 2 || rows % T !== 0) {
      const where = this.opts.name ?? 'readout';
      throw new SpikerepError('E_SHAPE', `expected spikes [T·B, …] with T = ${T}, got [${shape.join(', ')}]`, where);
    }
    return rows / T;
  }
}
