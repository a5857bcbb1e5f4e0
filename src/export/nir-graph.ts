/**
 * A NIR graph as plain data, before any file I/O (docs/nir.md). Arrays are float32 in
 * C order with NIR's own axis order (PyTorch's: [Cout, Cin, kH, kW], activations [C, H, W]); integer
 * parameters are plain number arrays (written as int64). nir-h5.ts turns this into an HDF5 file and back.
 */

export interface NirArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Metadata values NIR stores as scalar datasets: strings and numbers. */
export type NirMetadata = Record<string, string | number>;

export type NirNode =
  | { type: 'Input'; shape: number[] }
  | { type: 'Output'; shape: number[] }
  | {
      type: 'Conv2d';
      weight: NirArray;
      bias: NirArray;
      stride: number[];
      padding: number[] | string;
      dilation?: number[];
      groups?: number;
      input_shape?: number[];
    }
  | { type: 'Affine'; weight: NirArray; bias: NirArray }
  | { type: 'Linear'; weight: NirArray }
  | { type: 'SumPool2d'; kernel_size: number[]; stride: number[]; padding: number[] }
  | { type: 'AvgPool2d'; kernel_size: number[]; stride: number[]; padding: number[] }
  | { type: 'Flatten'; start_dim: number; end_dim: number; input_type?: number[] }
  | { type: 'IF'; r: NirArray; v_threshold: NirArray; v_reset?: NirArray }
  | { type: 'LIF'; tau: NirArray; r: NirArray; v_leak: NirArray; v_threshold: NirArray; v_reset?: NirArray }
  | {
      type: 'CubaLIF';
      tau_syn: NirArray;
      tau_mem: NirArray;
      r: NirArray;
      v_leak: NirArray;
      v_threshold: NirArray;
      v_reset?: NirArray;
      w_in?: NirArray;
    }
  | { type: 'LI'; tau: NirArray; r: NirArray; v_leak: NirArray }
  | { type: 'I'; r: NirArray }
  | { type: 'CubaLI'; tau_syn: NirArray; tau_mem: NirArray; r: NirArray; v_leak: NirArray; w_in?: NirArray }
  | { type: 'Scale'; scale: NirArray }
  | { type: 'Threshold'; threshold: NirArray }
  | { type: 'Delay'; delay: NirArray }
  | {
      type: 'Conv1d';
      weight: NirArray;
      bias: NirArray;
      stride: number[];
      padding: number[] | string;
      dilation?: number[];
      groups?: number;
      input_shape?: number[];
    }
  | { type: 'NIRGraph'; nodes: Record<string, NirGraphNode>; edges: [string, string][] };

export type NirNodeType = NirNode['type'];

/** A node with its optional per-node metadata (NIR allows a metadata group in every node). */
export type NirGraphNode = NirNode & { metadata?: NirMetadata };

export interface NirGraph {
  /** Node name → node, in graph order (Input first, Output last for the chains spikerep writes); a NIRGraph node nests. */
  readonly nodes: Record<string, NirGraphNode>;
  /** [source, target] node names. */
  readonly edges: [string, string][];
  readonly metadata: NirMetadata;
}

/** The NIR version written to /version (the layout of nir 1.0.x: v_reset present, Flatten input_type stored). */
export const NIR_VERSION = '1.0.7';

/** The dataset names (besides `type` and `metadata`) each node type stores, in NIR's field order. */
export const NIR_FIELDS: Record<NirNodeType, readonly string[]> = {
  Input: ['shape'],
  Output: ['shape'],
  Conv2d: ['weight', 'bias', 'stride', 'padding', 'dilation', 'groups', 'input_shape'],
  Affine: ['weight', 'bias'],
  Linear: ['weight'],
  SumPool2d: ['kernel_size', 'stride', 'padding'],
  AvgPool2d: ['kernel_size', 'stride', 'padding'],
  Flatten: ['start_dim', 'end_dim', 'input_type'],
  IF: ['r', 'v_threshold', 'v_reset'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset'],
  CubaLIF: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold', 'v_reset', 'w_in'],
  LI: ['tau', 'r', 'v_leak'],
  I: ['r'],
  CubaLI: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'w_in'],
  Scale: ['scale'],
  Threshold: ['threshold'],
  Delay: ['delay'],
  Conv1d: ['weight', 'bias', 'stride', 'padding', 'dilation', 'groups', 'input_shape'],
  // a nested graph: read recursively (nir-h5.ts), its own metadata group beside these
  NIRGraph: ['nodes', 'edges'],
};

/** Integer-valued fields (int64 in the file); everything else is a float array. */
export const NIR_INT_FIELDS: ReadonlySet<string> = new Set([
  'shape',
  'stride',
  'padding',
  'dilation',
  'groups',
  'input_shape',
  'kernel_size',
  'start_dim',
  'end_dim',
  'input_type',
]);

/** Fields stored as int64 scalars rather than arrays. */
export const NIR_SCALAR_FIELDS: ReadonlySet<string> = new Set(['groups', 'start_dim', 'end_dim']);

export function nirArray(shape: readonly number[], data: Float32Array): NirArray {
  return { shape: [...shape], data };
}

/** A float32 array of `shape` filled with `v` (NIR wants every neuron parameter at the activation shape). */
export function nirFull(shape: readonly number[], v: number): NirArray {
  return nirArray(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v));
}
