/**
 * How one NIR neuron node (IF, LIF, CubaLIF, LI, I, CubaLI) steps, per neuron, once the file's conventions are
 * settled (nir.md §5.3–5.4). Forward Euler with step dt: k = dt/τ (or 1/τ when τ is in steps), and
 *   CubaLIF/CubaLI:  I ← (1 − k_syn)·I + k_syn·w_in·x        (the membrane's input is the new I)
 *   v ← decay·v + leakDrive + gain·input                       (LIF: 1 − k, k·v_leak, k·r; IF/I: 1, 0, r·dt or r)
 *   spiking nodes: z = [v > θ] (or ≥), v ← v_reset where z = 1 (or v ← v − amount for a subtract reset)
 * Non-spiking nodes (LI, I, CubaLI) output v. A node that carries spikerep's own neuron metadata keeps DSR's
 * rule (subtract its subtract_amount, fire on ≥, the exact leak of its DSR config) unless the caller asked for
 * reset 'value'; the same choices as spikerep's own layers make (nir-import.ts).
 */
import { cubaLifConfig, LIF_DEFAULTS, lifConfig } from '../snn/config.js';
import { neuronModel } from '../snn/model.js';
import type { NirArray, NirGraphNode } from './nir-graph.js';

export interface NeuronConventions {
  readonly ifR: 'auto' | 'one' | 'inverse-dt';
  readonly tauUnit: 'auto' | 'seconds' | 'steps';
  readonly dt: number;
  readonly reset: 'auto' | 'subtract' | 'value';
  readonly compare?: '>' | '>=';
}

export type NeuronNode = Extract<NirGraphNode, { type: 'IF' | 'LIF' | 'CubaLIF' | 'LI' | 'I' | 'CubaLI' }>;

export const NEURON_TYPES: ReadonlySet<string> = new Set(['IF', 'LIF', 'CubaLIF', 'LI', 'I', 'CubaLI']);

export interface NeuronRule {
  readonly decay: Float64Array;
  readonly gain: Float64Array;
  readonly leakDrive: Float64Array;
  readonly synapse: { readonly decay: Float64Array; readonly gain: Float64Array } | null;
  /** null for LI, I and CubaLI, which do not spike (their output is v). */
  readonly fire: {
    readonly threshold: Float64Array;
    readonly compare: '>' | '>=';
    readonly reset: 'value' | 'subtract';
    /** v_reset for a 'value' reset, the amount subtracted for a 'subtract' one. */
    readonly resetTo: Float64Array;
  } | null;
}

export function neuronRule(
  node: NeuronNode,
  size: number,
  c: NeuronConventions,
  bad: (what: string) => never,
): NeuronRule {
  const per = (a: NirArray | undefined, key: string, dflt?: number): Float64Array => {
    if (a === undefined) {
      if (dflt !== undefined) return new Float64Array(size).fill(dflt);
      return bad(`lacks '${key}'`);
    }
    if (a.data.length !== size && a.data.length !== 1)
      bad(`'${key}' has ${a.data.length} values, its input has ${size}`);
    return Float64Array.from({ length: size }, (_, i) => a.data[a.data.length === 1 ? 0 : i]!);
  };
  const map = (a: Float64Array, f: (v: number, i: number) => number): Float64Array => a.map(f);
  const meta = node.metadata ?? {};
  // spikerep's neuron metadata, and whether DSR's rule applies: by default where it is present, or on request
  const hasMeta = meta['reset'] === 'subtract' && typeof meta['subtract_amount'] === 'number';
  const reset = c.reset === 'auto' ? (hasMeta ? 'subtract' : 'value') : c.reset;
  const ours = hasMeta && reset === 'subtract';
  const r = per(node.r, 'r');
  const tauUnit = c.tauUnit === 'steps' ? 'steps' : 'seconds';
  const perStep = (tau: Float64Array, key: string): Float64Array =>
    map(tau, (t) => {
      const k = tauUnit === 'steps' ? 1 / t : c.dt / t;
      if (!(k > 0 && k <= 1))
        bad(
          `${key} = ${+t.toPrecision(6)} gives a per-step leak dt/${key} = ${+k.toPrecision(6)} outside (0, 1]; check --tau-unit and --dt`,
        );
      return k;
    });
  let decay: Float64Array;
  let gain: Float64Array;
  let leakDrive: Float64Array = new Float64Array(size);
  let synapse: NeuronRule['synapse'] = null;
  if (node.type === 'IF' || node.type === 'I') {
    decay = new Float64Array(size).fill(1);
    // ifR 'auto': r·dt = 1 marks SpikingJelly's dv = r·dt·I; anything else is Sinabs/Norse's dv = r·I per step
    gain = map(r, (ri) => {
      const ifR = c.ifR === 'auto' ? (Math.abs(ri * c.dt - 1) < 1e-6 ? 'inverse-dt' : 'one') : c.ifR;
      return ours ? 1 : ifR === 'one' ? ri : ri * c.dt;
    });
  } else {
    const tauKey = node.type === 'LIF' || node.type === 'LI' ? 'tau' : 'tau_mem';
    const tau = per(node.type === 'LIF' || node.type === 'LI' ? node.tau : node.tau_mem, tauKey);
    const vLeak = per(node.v_leak, 'v_leak');
    const k = perStep(tau, tauKey);
    decay = map(k, (ki) => 1 - ki);
    gain = map(k, (ki, i) => ki * r[i]!);
    leakDrive = map(k, (ki, i) => ki * vLeak[i]!);
    if (node.type === 'CubaLIF' || node.type === 'CubaLI') {
      const ks = perStep(per(node.tau_syn, 'tau_syn'), 'tau_syn');
      const wIn = per(node.w_in, 'w_in', 1);
      synapse = { decay: map(ks, (v) => 1 - v), gain: map(ks, (v, i) => v * wIn[i]!) };
    }
    if (ours && typeof meta['dsr_tau'] === 'number' && typeof meta['dsr_dt'] === 'number') {
      // the leak spikerep trained with, not its float32 rounding through τ = dt/(1 − λ)
      const leak = { tau: meta['dsr_tau'], dt: meta['dsr_dt'], vthBound: LIF_DEFAULTS.vthBound };
      const tauSyn = meta['dsr_tau_syn'];
      const model = neuronModel(
        typeof tauSyn === 'number' && synapse !== null ? cubaLifConfig({ ...leak, tauSyn }) : lifConfig(leak),
      );
      decay.fill(model.decay);
      gain.fill(1 - model.decay);
      if (model.synapse !== null && synapse !== null)
        synapse = {
          decay: new Float64Array(size).fill(model.synapse.decay),
          gain: new Float64Array(size).fill(1 - model.synapse.decay),
        };
    }
  }
  if (node.type === 'LI' || node.type === 'I' || node.type === 'CubaLI')
    return { decay, gain, leakDrive, synapse, fire: null };
  const theta = per(node.v_threshold, 'v_threshold');
  let threshold = theta;
  let resetTo: Float64Array;
  if (reset === 'subtract') {
    const amount = ours ? (meta['subtract_amount'] as number) : null;
    resetTo = amount === null ? theta : new Float64Array(size).fill(amount);
    if (ours && typeof meta['alpha'] === 'number') threshold = new Float64Array(size).fill(meta['alpha'] * amount!);
  } else resetTo = per(node.v_reset, 'v_reset', 0);
  const compare = reset === 'subtract' ? '>=' : (c.compare ?? (meta['compare'] === '>=' ? '>=' : '>'));
  return { decay, gain, leakDrive, synapse, fire: { threshold, compare, reset, resetTo } };
}
