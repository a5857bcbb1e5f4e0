/**
 * The attributes each op receives: the contract's (kernels.ts), minus the buffers (they come as bindings, in the
 * order ops/index.ts states), plus the lengths a binding cannot tell (bindings may be longer than the data).
 * They cross a thread boundary by structured clone, so they hold numbers, strings and typed arrays only.
 */
import type {
  AdamAttrs,
  BatchNormAttrs,
  BatchNormBackwardAttrs,
  ConvBackwardFilterAttrs,
  ConvGeometry,
  ElementwiseAttrs,
  GemmAttrs,
  NeuronForwardAttrs,
  ReduceAttrs,
  SgdAttrs,
  SoftmaxAttrs,
  SumRowsAttrs,
  SurrogateBackwardAttrs,
  TransposeAttrs,
  UnpackSpikesAttrs,
} from '../../kernels.js';

/** NeuronForwardAttrs without its buffers; `rateWeights` present when the rate is fused in (rateOut bound). */
export type NeuronForwardOpAttrs = Omit<NeuronForwardAttrs, 'membrane' | 'record' | 'rate' | 'synapse'> & {
  readonly synapse?: { readonly decay: number; readonly gain: number };
  readonly rateWeights?: Float64Array;
};

export type NeuronBackwardOpAttrs =
  | {
      readonly mode: 'representation';
      readonly n: number;
      readonly hi: number;
      readonly slope: number;
      readonly closed: boolean;
    }
  | Omit<SurrogateBackwardAttrs, 'membrane'>;

export interface OpAttrs {
  gemm: GemmAttrs;
  conv2dForward: ConvGeometry;
  conv2dSparseForward: ConvGeometry;
  conv2dBackwardInput: ConvGeometry;
  conv2dBackwardFilter: ConvBackwardFilterAttrs;
  avgPool2dForward: ConvGeometry;
  avgPool2dBackward: ConvGeometry;
  batchNormStats: BatchNormAttrs;
  batchNormApply: BatchNormAttrs;
  batchNormBackward: BatchNormBackwardAttrs;
  neuronForward: NeuronForwardOpAttrs;
  neuronBackward: NeuronBackwardOpAttrs;
  /** n: spikes (x's length). */
  packSpikes: { readonly n: number };
  /** n: y's length. */
  unpackSpikes: UnpackSpikesAttrs & { readonly n: number };
  transpose: TransposeAttrs;
  /** n: out's length; last: the last input's length (it repeats when shorter; scaleRows: the rows). */
  elementwise: ElementwiseAttrs & { readonly n: number; readonly last: number };
  reduce: ReduceAttrs & { readonly n: number };
  sumRows: SumRowsAttrs;
  /** labels ride along (one per row). */
  softmaxCrossEntropy: SoftmaxAttrs & { readonly labels: Int32Array };
  sgdStep: SgdAttrs;
  adamStep: AdamAttrs;
}
