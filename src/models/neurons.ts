import { check } from '../errors.js';
import { ifConfig, lifConfig, type NeuronConfig } from '../snn/config.js';
import { DEFAULT_SURROGATE_SLOPE } from '../snn/surrogate.js';
import type { NeuronMode } from '../nn/neuron-layer.js';

/** The neuron choices a user names (`--neuron`): DSR-IF, DSR-LIF, the BPTT baseline, the ANN of the same shape. */
export type NeuronChoice = 'if' | 'lif' | 'bptt' | 'ann';
export const NEURON_CHOICES: readonly NeuronChoice[] = ['if', 'lif', 'bptt', 'ann'];

/** What every neuron layer of a model is built from. */
export interface NeuronSpec {
  readonly choice: NeuronChoice;
  readonly mode: NeuronMode;
  readonly config: NeuronConfig;
  /** Slope of the BPTT sigmoid surrogate on the threshold-normalised membrane. */
  readonly surrogateSlope: number;
}

export interface NeuronOverrides {
  vth?: number;
  alpha?: number;
  tau?: number;
  dt?: number;
  vthBound?: number;
  vthGradScale?: number;
  /** Dynamics of the BPTT baseline: LIF (the usual surrogate-gradient SNN) unless told otherwise. */
  bpttDynamics?: 'if' | 'lif';
  surrogateSlope?: number;
}

/**
 * Resolves a choice and user overrides into a NeuronSpec. The ANN uses clamp(x, 0, Vth) with the IF defaults
 * (Vth 6), so that its thresholds can seed an IF SNN directly in hybrid training (spec §4.4).
 */
export function neuronSpec(choice: NeuronChoice, over: NeuronOverrides = {}): NeuronSpec {
  check(NEURON_CHOICES.includes(choice), `expected one of ${NEURON_CHOICES.join('|')}, got ${String(choice)}`, 'neuron');
  const slope = over.surrogateSlope ?? DEFAULT_SURROGATE_SLOPE;
  check(Number.isFinite(slope) && slope > 0, `surrogate slope must be > 0, got ${slope}`, 'surrogateSlope');
  const { bpttDynamics, surrogateSlope: _s, ...fields } = over;
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const lif = choice === 'lif' || (choice === 'bptt' && (bpttDynamics ?? 'lif') === 'lif');
  const config = lif ? lifConfig(clean) : ifConfig(clean);
  const mode: NeuronMode = choice === 'bptt' ? 'bptt' : choice === 'ann' ? 'ann' : 'dsr';
  return { choice, mode, config, surrogateSlope: slope };
}
