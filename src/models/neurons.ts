import { check } from '../errors.js';
import type { NeuronMode } from '../nn/neuron-layer.js';
import { cubaLifConfig, ifConfig, lifConfig, type NeuronConfig } from '../snn/config.js';
import { DEFAULT_SURROGATE_SLOPE } from '../snn/surrogate.js';

/**
 * The neuron choices a user names (`--neuron`): DSR-IF, DSR-LIF, DSR with the current-based LIF, the BPTT
 * baseline, the ANN of the same shape (clamp), and the ReLU ANN of the same shape that hybrid training pre-trains.
 */
export type NeuronChoice = 'if' | 'lif' | 'cubalif' | 'bptt' | 'ann' | 'relu';
export const NEURON_CHOICES: readonly NeuronChoice[] = ['if', 'lif', 'cubalif', 'bptt', 'ann', 'relu'];

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
  tauSyn?: number;
  dt?: number;
  vthBound?: number;
  vthGradScale?: number;
  /** Dynamics of the BPTT baseline: LIF (the usual surrogate-gradient SNN) unless told otherwise. */
  bpttDynamics?: 'if' | 'lif';
  surrogateSlope?: number;
}

/**
 * Resolves a choice and user overrides into a NeuronSpec. The ANN uses clamp(x, 0, Vth) with the IF defaults
 * (Vth 6), so that its thresholds can seed an IF SNN directly in hybrid training (docs/method.md §4.4).
 */
export function neuronSpec(choice: NeuronChoice, over: NeuronOverrides = {}): NeuronSpec {
  check(
    NEURON_CHOICES.includes(choice),
    `expected one of ${NEURON_CHOICES.join('|')}, got ${String(choice)}`,
    'neuron',
  );
  const slope = over.surrogateSlope ?? DEFAULT_SURROGATE_SLOPE;
  check(Number.isFinite(slope) && slope > 0, `surrogate slope must be > 0, got ${slope}`, 'surrogateSlope');
  const { bpttDynamics, surrogateSlope: _s, ...fields } = over;
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const { tauSyn: _syn, ...common } = clean; // only CubaLIF has a synaptic stage
  const lif = choice === 'lif' || (choice === 'bptt' && (bpttDynamics ?? 'lif') === 'lif');
  const config = choice === 'cubalif' ? cubaLifConfig(clean) : lif ? lifConfig(common) : ifConfig(common);
  const mode: NeuronMode = choice === 'bptt' ? 'bptt' : choice === 'ann' ? 'ann' : choice === 'relu' ? 'relu' : 'dsr';
  return { choice, mode, config, surrogateSlope: slope };
}
