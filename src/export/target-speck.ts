/**
 * Speck / DYNAP-CNN (docs/targets.md): a chain of at most 9 convolutional cores, each conv → integrate-and-fire →
 * optional sum pooling, with 8-bit weights and 16-bit neuron state. An affine layer maps to a core as a convolution
 * whose kernel covers its whole input map (flattened image) or a 1×1 map (vector).
 */
import { first, type GraphView, maxAbs, metaNumber, nodeLabel, type TargetSpec, type ViewNode } from './target.js';

const LIMITS = {
  cores: 9,
  kernel: 16,
  channels: 1024,
  outputMap: 64,
  inputMap: 128,
  strides: [1, 2, 4, 8],
  maxPad: 7,
  pools: [1, 2, 4],
  state: 2 ** 15 - 1,
} as const;

export const SPECK: TargetSpec = {
  name: 'speck',
  title: 'Speck / DYNAP-CNN',
  weightBits: 8,
  integerState: true,
  check: checkSpeck,
};

function checkSpeck(view: GraphView): string[] {
  const out: string[] = [];
  const say = (n: ViewNode, what: string): void => void out.push(`${nodeLabel(n)}: ${what}`);
  let cores = 0;
  let expect: 'weight' | 'neuron' | 'pool-or-weight' = 'weight';
  let flattened: readonly number[] | null = null;
  for (const n of view.chain) {
    const node = n.node;
    switch (node.type) {
      case 'Input': {
        const [, H, W] = n.outShape;
        if (H !== undefined && W !== undefined && (H > LIMITS.inputMap || W > LIMITS.inputMap))
          say(n, `input map ${H}×${W} exceeds Speck's ${LIMITS.inputMap}×${LIMITS.inputMap}`);
        break;
      }
      case 'Conv2d':
      case 'Affine':
      case 'Linear': {
        cores++;
        if (expect === 'neuron') say(n, 'follows a weight layer directly: each core is conv → IAF → sum-pool');
        const [O, I, kH, kW] =
          node.type === 'Conv2d'
            ? (node.weight.shape as number[])
            : flattened !== null
              ? [node.weight.shape[0]!, flattened[0]!, flattened[1]!, flattened[2]!]
              : [node.weight.shape[0]!, node.weight.shape[1]!, 1, 1];
        if (kH! > LIMITS.kernel || kW! > LIMITS.kernel)
          say(n, `kernel ${kH}×${kW} exceeds Speck's ${LIMITS.kernel}×${LIMITS.kernel}`);
        if (O! > LIMITS.channels) say(n, `${O} output channels exceed Speck's ${LIMITS.channels}`);
        if (I! > LIMITS.channels) say(n, `${I} input channels exceed Speck's ${LIMITS.channels}`);
        if (node.type === 'Conv2d') {
          const [, H, W] = n.outShape;
          if (H! > LIMITS.outputMap || W! > LIMITS.outputMap)
            say(n, `output map ${H}×${W} exceeds Speck's ${LIMITS.outputMap}×${LIMITS.outputMap}`);
          for (const s of node.stride)
            if (!(LIMITS.strides as readonly number[]).includes(s))
              say(n, `stride ${s} is not one of Speck's ${LIMITS.strides.join(', ')}`);
          const pad = Array.isArray(node.padding) ? node.padding : [];
          if (pad.some((p) => p > LIMITS.maxPad)) say(n, `padding ${pad.join('×')} exceeds Speck's ${LIMITS.maxPad}`);
        }
        if ('bias' in node && maxAbs(node.bias.data) > LIMITS.state)
          say(n, `bias ${maxAbs(node.bias.data)} (in weight steps) exceeds the 16-bit neuron state (±${LIMITS.state})`);
        flattened = null;
        expect = 'neuron';
        break;
      }
      case 'IF': {
        if (expect !== 'neuron') say(n, 'a neuron layer must follow a conv or linear layer (conv → IAF → sum-pool)');
        const alpha = metaNumber(node, 'alpha', 1);
        if (alpha !== 1)
          say(
            n,
            `fires at ${first(node.v_threshold)} but subtracts ${metaNumber(node, 'subtract_amount', 0)}: Speck's IAF fires at its threshold and subtracts it (train with --alpha 1)`,
          );
        const thr = metaNumber(node, 'subtract_amount', first(node.v_threshold));
        if (thr > LIMITS.state)
          say(n, `threshold ${thr} (in weight steps) exceeds the 16-bit neuron state (≤ ${LIMITS.state})`);
        expect = 'pool-or-weight';
        break;
      }
      case 'LIF':
      case 'CubaLIF':
        say(n, "Speck's neurons are integrate-and-fire (IAF) only: no leak, no synaptic current (use --neuron if)");
        expect = 'pool-or-weight';
        break;
      case 'SumPool2d':
      case 'AvgPool2d': {
        if (expect !== 'pool-or-weight') say(n, 'pooling must follow a neuron layer (conv → IAF → sum-pool)');
        const [k] = node.kernel_size as [number];
        const [s] = node.stride as [number];
        if (!(LIMITS.pools as readonly number[]).includes(k) || s !== k)
          say(n, `pooling ${k}×${k} stride ${s}: Speck pools 1:1, 1:2 or 1:4 (kernel = stride)`);
        expect = 'weight';
        break;
      }
      case 'Flatten':
        flattened = n.inShape.length === 3 ? n.inShape : null;
        break;
      default:
        break;
    }
  }
  if (cores > LIMITS.cores) out.push(`network: ${cores} conv/linear layers exceed Speck's ${LIMITS.cores} cores`);
  if (view.graph.edges.length !== view.chain.length - 1)
    out.push('network: Speck runs sequential chains only (no branches)');
  return out;
}
