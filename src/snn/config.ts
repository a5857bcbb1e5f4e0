/**
 * What a spiking neuron layer is configured with. One member of the union per neuron model; a new model is one
 * more member plus its file (if.ts, lif.ts). Defaults are the reference code's CIFAR settings (docs/method.md §2.4, §2.5).
 */
import { check } from '../errors.js';

export interface IfConfig {
  readonly kind: 'if';
  /** Initial threshold Vth (trainable, one scalar per layer). */
  readonly vth: number;
  /** Fire at α·Vth, subtract Vth (docs/method.md §2.5). */
  readonly alpha: number;
  /** Vth is clamped to ≥ this before every forward (docs/method.md §2.4). */
  readonly vthBound: number;
  /** Extra factor on dL/dVth: 1 on CIFAR/DVS, 0.001 in the reference ImageNet IF code (docs/method.md §2.2). */
  readonly vthGradScale: number;
}

export interface LifConfig {
  readonly kind: 'lif';
  readonly vth: number;
  readonly alpha: number;
  /** Membrane time constant τ (fixed, not trained). */
  readonly tau: number;
  /** Step length Δt: leak λ = exp(−Δt/τ), spike magnitude Vth/Δt. */
  readonly dt: number;
  readonly vthBound: number;
  readonly vthGradScale: number;
}

/**
 * The current-based LIF (NIR's CubaLIF): a synaptic current I = λ_syn·I + (1 − λ_syn)·x with λ_syn =
 * exp(−Δt/τ_syn) feeds the LIF membrane; everything else is LIF's (cubalif.ts).
 */
export interface CubaLifConfig extends Omit<LifConfig, 'kind'> {
  readonly kind: 'cubalif';
  /** Synaptic time constant τ_syn (fixed, not trained). */
  readonly tauSyn: number;
}

export type NeuronConfig = IfConfig | LifConfig | CubaLifConfig;

export const IF_DEFAULTS: IfConfig = { kind: 'if', vth: 6, alpha: 0.5, vthBound: 0.01, vthGradScale: 1 };
export const LIF_DEFAULTS: LifConfig = {
  kind: 'lif',
  vth: 0.3,
  alpha: 0.3,
  tau: 1,
  dt: 0.05,
  vthBound: 0.0005,
  vthGradScale: 1,
};
/** LIF's settings with a synaptic current twice as fast as the membrane. */
export const CUBALIF_DEFAULTS: CubaLifConfig = { ...LIF_DEFAULTS, kind: 'cubalif', tauSyn: 0.5 };

/** An IF config: the defaults with some fields replaced, validated. */
export function ifConfig(over: Partial<Omit<IfConfig, 'kind'>> = {}): IfConfig {
  return validateNeuronConfig({ ...IF_DEFAULTS, ...over });
}

/** A LIF config: the defaults with some fields replaced, validated. */
export function lifConfig(over: Partial<Omit<LifConfig, 'kind'>> = {}): LifConfig {
  return validateNeuronConfig({ ...LIF_DEFAULTS, ...over });
}

/** A CubaLIF config: the defaults with some fields replaced, validated. */
export function cubaLifConfig(over: Partial<Omit<CubaLifConfig, 'kind'>> = {}): CubaLifConfig {
  return validateNeuronConfig({ ...CUBALIF_DEFAULTS, ...over });
}

/** Throws E_ARG with a one-line message on the first bad field; returns the config unchanged. */
export function validateNeuronConfig<C extends NeuronConfig>(c: C, where = 'neuron'): C {
  const kinds = ['if', 'lif', 'cubalif'];
  check(
    kinds.includes(c.kind),
    `kind must be one of ${kinds.join('|')}, got ${String((c as { kind: unknown }).kind)}`,
    where,
  );
  checkVth(c.vth, where);
  checkAlpha(c.alpha, where);
  check(isFinitePositive(c.vthBound), `vthBound must be > 0, got ${c.vthBound}`, where);
  check(
    Number.isFinite(c.vthGradScale) && c.vthGradScale >= 0,
    `vthGradScale must be ≥ 0, got ${c.vthGradScale}`,
    where,
  );
  if (c.kind !== 'if') checkLeak(c.tau, c.dt, where);
  if (c.kind === 'cubalif') check(isFinitePositive(c.tauSyn), `tauSyn must be > 0, got ${c.tauSyn}`, where);
  return c;
}

export function checkVth(vth: number, where = 'neuron'): void {
  check(isFinitePositive(vth), `vth must be > 0, got ${vth}`, where);
}

export function checkAlpha(alpha: number, where = 'neuron'): void {
  check(Number.isFinite(alpha) && alpha > 0 && alpha <= 1, `alpha must be in (0, 1], got ${alpha}`, where);
}

export function checkLeak(tau: number, dt: number, where = 'neuron'): void {
  check(isFinitePositive(tau), `tau must be > 0, got ${tau}`, where);
  check(isFinitePositive(dt), `dt must be > 0, got ${dt}`, where);
}

export function checkTimeSteps(T: number, where = 'neuron'): void {
  check(Number.isInteger(T) && T >= 1, `T must be an integer ≥ 1, got ${T}`, where);
}

function isFinitePositive(x: number): boolean {
  return Number.isFinite(x) && x > 0;
}
