/**
 * Loihi 2 (docs/targets.md): weights are an 8-bit mantissa times 2^(6 + e) with one exponent e ∈ [−8, 7] per layer,
 * the current and voltage decays are 12-bit (0…4095, per step 4096·(1 − λ)), and the threshold is a 17-bit
 * mantissa times 2^6. The integer graph counts each layer's state in weight steps; the exponent is the largest one
 * that keeps the threshold's mantissa (threshold · 2^e) within 17 bits.
 */
import { first, type GraphView, metaNumber, NEURON_TYPES, nodeLabel, type TargetSpec } from './target.js';

const LIMITS = { minExp: -8, maxExp: 7, decay: 4095, vthMantissa: 2 ** 17 - 1 } as const;

export const LOIHI2: TargetSpec = {
  name: 'loihi2',
  title: 'Loihi 2',
  weightBits: 8,
  integerState: true,
  check: (view) => plan(view).lines,
  annotate: (view) => {
    for (const p of plan(view).layers) Object.assign(p.meta, p.values);
  },
};

interface LayerPlan {
  readonly meta: Record<string, string | number>;
  readonly values: Record<string, number>;
}

function plan(view: GraphView): { lines: string[]; layers: LayerPlan[] } {
  const lines: string[] = [];
  const layers: LayerPlan[] = [];
  for (const n of view.chain) {
    if (!NEURON_TYPES.includes(n.node.type) || !('v_threshold' in n.node)) continue;
    const say = (what: string): void => void lines.push(`${nodeLabel(n)}: ${what}`);
    const theta = first(n.node.v_threshold);
    let e = LIMITS.maxExp;
    while (e > LIMITS.minExp && theta * 2 ** e > LIMITS.vthMantissa) e--;
    const vthMant = Math.round(theta * 2 ** e);
    if (vthMant > LIMITS.vthMantissa)
      say(
        `threshold ${theta} (in weight steps) needs a mantissa of ${vthMant} even at exponent ${LIMITS.minExp}: beyond Loihi 2's 17 bits`,
      );
    const leak = metaNumber(n.node, 'leak', 1);
    const dv = Math.round(4096 * (1 - leak));
    if (dv > LIMITS.decay) say(`voltage decay ${dv}/4096 per step exceeds Loihi 2's 12-bit ${LIMITS.decay}`);
    const values: Record<string, number> = { loihi_weight_exponent: e, loihi_vth_mantissa: vthMant, loihi_dv: dv };
    const syn = n.node.metadata?.['dsr_tau_syn'];
    if (n.node.type === 'CubaLIF' && typeof syn === 'number' && 'tau_syn' in n.node) {
      const dtOverTau = metaNumber(n.node, 'dsr_dt', 1) / syn;
      const du = Math.round(4096 * (1 - Math.exp(-dtOverTau)));
      if (du > LIMITS.decay) say(`current decay ${du}/4096 per step exceeds Loihi 2's 12-bit ${LIMITS.decay}`);
      values['loihi_du'] = du;
    }
    n.node.metadata ??= {};
    layers.push({ meta: n.node.metadata, values });
  }
  return { lines, layers };
}
