/**
 * Xylo (Audio 2 figures, docs/targets.md): up to 16 input channels, 1000 hidden and 8 output LIF neurons with
 * per-neuron time constants as bit-shift decays, 8-bit weights, subtractive reset, at most 64 targets per neuron
 * (fan-out).
 */
import { type GraphView, metaNumber, NEURON_TYPES, nodeLabel, type TargetSpec, type ViewNode } from './target.js';

const LIMITS = { inputs: 16, hidden: 1000, outputs: 8, fanOut: 64, maxShift: 15 } as const;

export const XYLO: TargetSpec = {
  name: 'xylo',
  title: 'Xylo',
  weightBits: 8,
  integerState: true,
  check: checkXylo,
  annotate: (view) => {
    for (const n of view.chain) {
      const leak = n.node.metadata?.['leak'];
      if (typeof leak === 'number') n.node.metadata!['xylo_bitshift'] = bitShift(leak);
    }
  },
};

/** The bit-shift decay v ← v − v/2^shift nearest to v ← λ·v. */
export function bitShift(leak: number): number {
  return Math.round(-Math.log2(1 - leak));
}

function checkXylo(view: GraphView): string[] {
  const out: string[] = [];
  const say = (n: ViewNode, what: string): void => void out.push(`${nodeLabel(n)}: ${what}`);
  const neurons = view.chain.filter((n) => NEURON_TYPES.includes(n.node.type));
  const input = view.chain[0];
  if (input !== undefined) {
    const size = input.outShape.reduce((a, b) => a * b, 1);
    if (size > LIMITS.inputs) say(input, `${size} input channels exceed Xylo's ${LIMITS.inputs}`);
  }
  const size = (n: ViewNode): number => n.outShape.reduce((a, b) => a * b, 1);
  const last = neurons[neurons.length - 1];
  const hidden = neurons.slice(0, -1).reduce((a, n) => a + size(n), 0);
  if (hidden > LIMITS.hidden) out.push(`network: ${hidden} hidden neurons exceed Xylo's ${LIMITS.hidden}`);
  if (last !== undefined && size(last) > LIMITS.outputs)
    say(last, `${size(last)} output neurons exceed Xylo's ${LIMITS.outputs}`);
  for (const n of neurons) {
    if (n.node.type === 'IF') {
      say(n, "Xylo's neurons leak (LIF with bit-shift decay): integrate-and-fire has no leak (use --neuron lif)");
      continue;
    }
    const leak = metaNumber(n.node, 'leak', Number.NaN);
    const shift = bitShift(leak);
    if (!(shift >= 1 && shift <= LIMITS.maxShift))
      say(n, `leak ${leak} needs a bit-shift decay of ${shift}, outside Xylo's 1…${LIMITS.maxShift}`);
  }
  for (const n of view.chain) {
    const node = n.node;
    if (node.type !== 'Conv2d' && node.type !== 'Affine' && node.type !== 'Linear') continue;
    const fan = fanOut(node.weight.data, node.weight.shape, node.type === 'Conv2d');
    if (fan > LIMITS.fanOut) say(n, `a neuron feeds up to ${fan} neurons, beyond Xylo's fan-out of ${LIMITS.fanOut}`);
  }
  return out;
}

/** The most non-zero weights leaving one input (dense: a column; conv: an input channel's taps, an upper bound). */
function fanOut(w: Float32Array, shape: readonly number[], conv: boolean): number {
  const [O, I] = shape as [number, number];
  const per = conv ? w.length / (O * I) : 1;
  let most = 0;
  for (let i = 0; i < I; i++) {
    let count = 0;
    for (let o = 0; o < O; o++) for (let t = 0; t < per; t++) if (w[(o * I + i) * per + t] !== 0) count++;
    most = Math.max(most, count);
  }
  return most;
}
