/**
 * A network's tensors in PyTorch's layout under spikerep's names (the exported PyTorch project uses the same names):
 * conv weights [Cout, kH, kW, Cin] → [Cout, Cin, kH, kW], and the columns of a linear layer right after a flatten
 * reordered from spikerep's (H, W, C) flattening to PyTorch's (C, H, W). Everything else (biases, batch-norm
 * parameters and running statistics, thresholds) is copied as it is.
 */
import { SpikerepError } from '../errors.js';
import type { Conv2d } from '../nn/conv2d.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Layer } from '../nn/layer.js';
import type { Linear } from '../nn/linear.js';
import type { Network } from '../nn/network.js';
import { layersOf } from '../nn/walk.js';
import { flattenPermutation } from './nir-export.js';
import { nirConvToSpikerep, spikerepConvToNir } from './nir-layout.js';
import type { SafeTensor } from './safetensors.js';

/** How one named tensor moves between the layouts. */
type Move =
  | { kind: 'conv'; shape: readonly number[] }
  | { kind: 'columns'; outF: number; perm: Int32Array }
  | { kind: 'copy'; shape: readonly number[] };

/**
 * The conv weights (every conv of the tree) and the weights of the first linear after a flatten, whose input shape
 * comes from following one sample's shape through the body's top-level layers (a residual block's NormBlock knows
 * its own output shape).
 */
function moves(net: Network): Map<string, Move> {
  const out = new Map<string, Move>();
  for (const l of layersOf(net.body)) {
    if (l.kind === 'conv2d') {
      const conv = l as Conv2d;
      out.set(conv.weight.name, { kind: 'conv', shape: conv.weight.shape });
    }
  }
  const input = net.inputShape;
  if (input === undefined) throw new SpikerepError('E_ARG', 'the network has no input shape', 'torch export');
  const top = net.body.kind === 'sequential' ? net.body.children() : [net.body];
  let shape: number[] = [1, ...input];
  top.forEach((l, i) => {
    if (l.kind === 'flatten' && shape.length === 4 && shape[1]! * shape[2]! > 1) {
      const next = i + 1 < top.length ? layersOf(top[i + 1]!).find((n: Layer) => n.kind === 'linear') : undefined;
      if (next === undefined)
        throw new SpikerepError('E_UNSUPPORTED', 'a flatten not followed by a linear layer', 'torch export');
      const lin = next as Linear;
      out.set(lin.weight.name, { kind: 'columns', outF: lin.opts.outF, perm: flattenPermutation(shape.slice(1)) });
    }
    shape = l.outputShape(shape, { T: 1, batch: 1 });
  });
  return out;
}

/** Every parameter and running statistic of `net`, in PyTorch's layout. */
export function torchTensors(net: Network): SafeTensor[] {
  const convert = torchLayout(net);
  return tensorsToHost(net.k, networkTensors(net)).map(({ name, value }) => convert(name, value));
}

/**
 * Converts the values of the tensor named `name` (a parameter, a running statistic, or anything of a parameter's
 * shape and layout, such as its gradient) to PyTorch's layout.
 */
export function torchLayout(net: Network): (name: string, value: ArrayLike<number>) => SafeTensor {
  const how = moves(net);
  const shapes = new Map(net.params().map((p) => [p.name, p.shape]));
  return (name, value) => {
    const m = how.get(name);
    if (m?.kind === 'conv') {
      const nir = spikerepConvToNir(value, m.shape);
      return { name, shape: nir.shape as number[], data: Float32Array.from(nir.data) };
    }
    if (m?.kind === 'columns') {
      const inF = m.perm.length;
      const data = new Float32Array(value.length);
      for (let o = 0; o < m.outF; o++) for (let i = 0; i < inF; i++) data[o * inF + m.perm[i]!] = value[o * inF + i]!;
      return { name, shape: [m.outF, inF], data };
    }
    return { name, shape: [...(shapes.get(name) ?? [value.length])], data: Float32Array.from(value) };
  };
}

/** Writes PyTorch-layout tensors (by spikerep name) into `net`; every tensor must be there with its size. */
export function loadTorchTensors(net: Network, tensors: ReadonlyMap<string, SafeTensor>, where: string): void {
  const how = moves(net);
  const named = networkTensors(net);
  for (const { name, value } of named) {
    const t = tensors.get(name);
    if (t === undefined || t.data.length !== value.length) {
      throw new SpikerepError('E_SHAPE', `has no tensor ${name} of ${value.length} values for this model`, where);
    }
    const m = how.get(name);
    if (m?.kind === 'conv') value.set(nirConvToSpikerep({ shape: [...t.shape], data: t.data }));
    else if (m?.kind === 'columns') {
      const inF = m.perm.length;
      for (let o = 0; o < m.outF; o++) for (let i = 0; i < inF; i++) value[o * inF + i] = t.data[o * inF + m.perm[i]!]!;
    } else value.set(t.data);
  }
  tensorsFromHost(net.k, named);
}
