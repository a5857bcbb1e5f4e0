/**
 * NIR graphs in the layouts other tools write (docs/nir.md, the format notes §5.2–5.4), built here from the
 * format's definitions: snnTorch's Synaptic (Affine → CubaLIF with r = τ_mem/dt, w_in = τ_syn/dt), Norse's
 * LIFBoxCell/LIFCell (Affine → LIF / CubaLIF with r = 1) and LICell readout, a recurrent CubaLIF layer as a nested
 * subgraph (input → lif ⇄ w_rec → output) and the same graph flattened (`rsyn.lif` names), Sinabs (Conv2d → IF with
 * no v_reset → SumPool2d → Flatten → Affine → IF, τ in steps), Rockpool (Linear → CubaLIF → Linear → CubaLIF), an
 * old file without v_reset, a `[1]` Input in front of a 12-input Affine, and one graph with Delay, Scale, I,
 * Threshold and Conv1d. Parameters are small and chosen so that the neurons fire within a few steps.
 */
import type { NirArray, NirGraph, NirGraphNode } from '../../src/export/nir-graph.js';

export const DT = 1e-4;

export const arr = (shape: number[], v: readonly number[]): NirArray => ({ shape, data: Float32Array.from(v) });
export const full = (n: number, v: number): NirArray => arr([n], new Array(n).fill(v));

const chainEdges = (names: string[]): [string, string][] => names.slice(1).map((b, i) => [names[i]!, b]);

/** Weights [out, in] with a fixed pattern (sign mix, magnitudes near 1). */
export function weights(out: number, inp: number, seed: number, scale = 1): NirArray {
  const v: number[] = [];
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inp; i++) v.push(scale * Math.sin(seed * 7.1 + o * 3.3 + i * 1.7) * 1.2);
  return arr([out, inp], v);
}

/** snnTorch `Synaptic(alpha, beta)` after `Linear(3, 2)`: I ← αI + x, U ← βU + I, spike U > θ, reset to 0. */
export function snnTorchSynaptic(alpha = 0.8, beta = 0.9, theta = 1): NirGraph {
  const tauSyn = DT / (1 - alpha);
  const tauMem = DT / (1 - beta);
  return {
    nodes: {
      input: { type: 'Input', shape: [3] },
      linear: { type: 'Affine', weight: weights(2, 3, 1), bias: arr([2], [0.3, 0.1]) },
      synaptic: {
        type: 'CubaLIF',
        tau_syn: full(2, tauSyn),
        tau_mem: full(2, tauMem),
        r: full(2, tauMem / DT),
        v_leak: full(2, 0),
        v_threshold: full(2, theta),
        v_reset: full(2, 0),
        w_in: full(2, tauSyn / DT),
      },
      output: { type: 'Output', shape: [2] },
    },
    edges: chainEdges(['input', 'linear', 'synaptic', 'output']),
    metadata: {},
  };
}

/** Norse `LIFBoxCell` (→ LIF, r = 1, τ = 1/τ_inv) after a Linear, and a `LICell` readout behind another Linear. */
export function norseLifBoxWithLi(): NirGraph {
  return {
    nodes: {
      input: { type: 'Input', shape: [3] },
      fc1: { type: 'Affine', weight: weights(4, 3, 2, 30), bias: full(4, 5) },
      lif: {
        type: 'LIF',
        tau: full(4, 1 / 100),
        r: full(4, 1),
        v_leak: full(4, 0),
        v_threshold: full(4, 0.05),
        v_reset: full(4, 0),
      },
      fc2: { type: 'Affine', weight: weights(2, 4, 3), bias: full(2, 0) },
      li: { type: 'LI', tau: full(2, 1 / 200), r: full(2, 1), v_leak: full(2, 0) },
      output: { type: 'Output', shape: [2] },
    },
    edges: chainEdges(['input', 'fc1', 'lif', 'fc2', 'li', 'output']),
    metadata: {},
  };
}

/** Norse `LIFCell` (→ CubaLIF, r = 1, w_in = 1, τ_syn = 1/200, τ_mem = 1/100) after a Linear. */
export function norseLifCell(): NirGraph {
  return {
    nodes: {
      input: { type: 'Input', shape: [2] },
      fc: { type: 'Affine', weight: weights(3, 2, 4, 40), bias: full(3, 20) },
      cell: {
        type: 'CubaLIF',
        tau_syn: full(3, 1 / 200),
        tau_mem: full(3, 1 / 100),
        r: full(3, 1),
        v_leak: full(3, 0),
        v_threshold: full(3, 0.02),
        v_reset: full(3, 0),
        w_in: full(3, 1),
      },
      output: { type: 'Output', shape: [3] },
    },
    edges: chainEdges(['input', 'fc', 'cell', 'output']),
    metadata: {},
  };
}

function recurrentCell(n: number): { lif: NirGraphNode; wRec: NirGraphNode } {
  return {
    lif: {
      type: 'CubaLIF',
      tau_syn: full(n, DT / (1 - 0.5)),
      tau_mem: full(n, DT / (1 - 0.8)),
      r: full(n, 0.8 / 0.2 / 4), // gain k·r = 0.25·… written per neuron, as exporters broadcast it
      v_leak: full(n, 0),
      v_threshold: full(n, 0.6),
      v_reset: full(n, 0),
      w_in: full(n, 2),
    },
    wRec: { type: 'Affine', weight: weights(n, n, 5, 0.8), bias: full(n, 0.05) },
  };
}

/**
 * A recurrent CubaLIF layer (snnTorch's RSynaptic, Norse's recurrent cells) as NIR's nested form: the top graph
 * input → fc → rsyn → output, with rsyn = NIRGraph{input → lif, lif → w_rec → lif, lif → output}.
 */
export function recurrentNested(): NirGraph {
  const { lif, wRec } = recurrentCell(3);
  return {
    nodes: {
      input: { type: 'Input', shape: [2] },
      fc: { type: 'Affine', weight: weights(3, 2, 6, 1.5), bias: full(3, 0.2) },
      rsyn: {
        type: 'NIRGraph',
        nodes: {
          input: { type: 'Input', shape: [3] },
          lif,
          w_rec: wRec,
          output: { type: 'Output', shape: [3] },
        },
        edges: [
          ['input', 'lif'],
          ['lif', 'w_rec'],
          ['w_rec', 'lif'],
          ['lif', 'output'],
        ],
      },
      output: { type: 'Output', shape: [3] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'rsyn'],
      ['rsyn', 'output'],
    ],
    metadata: {},
  };
}

/** The same recurrent layer with its nodes already flattened to `rsyn.lif`, `rsyn.w_rec` at the top level. */
export function recurrentFlattened(): NirGraph {
  const { lif, wRec } = recurrentCell(3);
  const nested = recurrentNested();
  return {
    nodes: {
      input: nested.nodes['input']!,
      fc: nested.nodes['fc']!,
      'rsyn.lif': lif,
      'rsyn.w_rec': wRec,
      output: { type: 'Output', shape: [3] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'rsyn.lif'],
      ['rsyn.lif', 'rsyn.w_rec'],
      ['rsyn.w_rec', 'rsyn.lif'],
      ['rsyn.lif', 'output'],
    ],
    metadata: {},
  };
}

/** Sinabs: Conv2d → IAF (IF, r = 1, no v_reset) → SumPool2d → Flatten → Affine → IAF, on a [1, 4, 4] input. */
export function sinabsConvIaf(): NirGraph {
  const conv = arr(
    [2, 1, 3, 3],
    Array.from({ length: 18 }, (_, i) => Math.cos(i * 1.3) * 0.6),
  );
  return {
    nodes: {
      input: { type: 'Input', shape: [1, 4, 4] },
      conv: { type: 'Conv2d', weight: conv, bias: arr([2], [0.1, -0.05]), stride: [1, 1], padding: [1, 1] },
      iaf1: {
        type: 'IF',
        r: arr([2, 4, 4], new Array(32).fill(1)),
        v_threshold: arr([2, 4, 4], new Array(32).fill(0.5)),
      },
      pool: { type: 'SumPool2d', kernel_size: [2, 2], stride: [2, 2], padding: [0, 0] },
      flat: { type: 'Flatten', start_dim: 0, end_dim: -1 },
      fc: { type: 'Affine', weight: weights(3, 8, 7, 0.7), bias: full(3, 0) },
      iaf2: { type: 'IF', r: full(3, 1), v_threshold: full(3, 1) },
      output: { type: 'Output', shape: [3] },
    },
    edges: chainEdges(['input', 'conv', 'iaf1', 'pool', 'flat', 'fc', 'iaf2', 'output']),
    metadata: {},
  };
}

/** Rockpool (→ Xylo): LinearTorch → LIFTorch as Linear → CubaLIF twice, τ in seconds with dt = 1e-3. */
export function rockpoolXylo(): NirGraph {
  const cuba = (n: number, thr: number): NirGraphNode => ({
    type: 'CubaLIF',
    tau_syn: full(n, 0.004),
    tau_mem: full(n, 0.008),
    r: full(n, 8),
    v_leak: full(n, 0),
    v_threshold: full(n, thr),
    v_reset: full(n, 0),
    w_in: full(n, 4),
  });
  return {
    nodes: {
      input: { type: 'Input', shape: [2] },
      '0_LinearTorch': { type: 'Linear', weight: weights(3, 2, 8, 1.2) },
      '1_LIFTorch': cuba(3, 0.5),
      '2_LinearTorch': { type: 'Linear', weight: weights(2, 3, 9, 1.5) },
      '3_LIFTorch': cuba(2, 0.4),
      output: { type: 'Output', shape: [2] },
    },
    edges: chainEdges(['input', '0_LinearTorch', '1_LIFTorch', '2_LinearTorch', '3_LIFTorch', 'output']),
    metadata: { dt: 1e-3 },
  };
}

/** An old (NIR 0.1/0.2) LIF without v_reset, behind a `[1]` Input that a 12-input Affine contradicts. */
export function oldLifOneInput(): NirGraph {
  const lif = {
    type: 'LIF' as const,
    tau: full(2, DT / 0.25),
    r: full(2, 1),
    v_leak: full(2, 0),
    v_threshold: full(2, 0.3),
  };
  return {
    nodes: {
      input: { type: 'Input', shape: [1] },
      fc: { type: 'Affine', weight: weights(2, 12, 10, 0.5), bias: full(2, 0.4) },
      lif: lif as NirGraphNode,
      output: { type: 'Output', shape: [2] },
    },
    edges: chainEdges(['input', 'fc', 'lif', 'output']),
    metadata: {},
  };
}

/**
 * Delay, Scale, I, Threshold and Conv1d in one graph with a branch: input [2, 5] → conv1d → flatten → delay
 * (2 steps) → scale → i → threshold → output, and a skip flatten → fcskip summed into the I node.
 */
export function mixedNodes(delaySteps = 2): NirGraph {
  const conv = arr([1, 2, 3], [0.5, -0.2, 0.3, 0.1, 0.4, -0.3]);
  return {
    nodes: {
      input: { type: 'Input', shape: [2, 5] },
      conv: { type: 'Conv1d', weight: conv, bias: arr([1], [0.05]), stride: [1], padding: [1] },
      flat: { type: 'Flatten', start_dim: 0, end_dim: -1 },
      delay: { type: 'Delay', delay: full(5, delaySteps * DT) },
      scale: { type: 'Scale', scale: arr([5], [1, 2, 0.5, -1, 1.5]) },
      i: { type: 'I', r: full(5, 1 / DT) },
      fcskip: { type: 'Linear', weight: weights(5, 5, 11, 0.3) },
      threshold: { type: 'Threshold', threshold: full(5, 0.4) },
      output: { type: 'Output', shape: [5] },
    },
    edges: [
      ['input', 'conv'],
      ['conv', 'flat'],
      ['flat', 'delay'],
      ['delay', 'scale'],
      ['scale', 'i'],
      ['flat', 'fcskip'],
      ['fcskip', 'i'],
      ['i', 'threshold'],
      ['threshold', 'output'],
    ],
    metadata: {},
  };
}

/** Every fixture above, by name, for the fuzz seeds and the file round trip. */
export function foreignGraphs(): Record<string, NirGraph> {
  return {
    snnTorchSynaptic: snnTorchSynaptic(),
    norseLifBoxWithLi: norseLifBoxWithLi(),
    norseLifCell: norseLifCell(),
    recurrentNested: recurrentNested(),
    recurrentFlattened: recurrentFlattened(),
    sinabsConvIaf: sinabsConvIaf(),
    rockpoolXylo: rockpoolXylo(),
    oldLifOneInput: oldLifOneInput(),
    mixedNodes: mixedNodes(),
  };
}
