/**
 * NIR's own neuron rule, for imported graphs whose reset is "to v_reset" (nir.md §5.3): per step
 *   (CubaLIF: I ← synDecay·I + synGain·x, the membrane's input is I)
 *   v ← decay·v + leakDrive + gain·I;  z = [v > θ] (or ≥);  v ← v_reset where z = 1
 * with unit-height spikes: a parameter set of the neuron kernel (kernels.ts, NeuronForwardAttrs). DSR's neurons
 * reset by subtraction, so a hard reset gets this small eval-only layer (forward only, time-major [T·B, …] like
 * SpikingNeuron). Parameters are one scalar per layer.
 */
import { SpikerepError } from '../errors.js';
import { isTraining, type Layer, type RunContext } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import { Scratch } from '../nn/scratch.js';
import { type Tensor, tensor } from '../tensor.js';

export interface HardResetOptions {
  readonly name: string;
  /** v's decay per step: 1 for IF, 1 − dt/τ for LIF (forward Euler). */
  readonly decay: number;
  /** Factor on the input: dt·r for IF, (dt/τ)·r for LIF. */
  readonly gain: number;
  /** Constant drive per step from v_leak: (dt/τ)·v_leak for LIF, 0 for IF. */
  readonly leakDrive: number;
  readonly threshold: number;
  readonly vReset: number;
  /** NIR fires at v > θ; '>=' reproduces DSR's rule. */
  readonly compare: '>' | '>=';
  /** CubaLIF's synaptic current I ← decay·I + gain·x (forward Euler: 1 − dt/τ_syn and dt/τ_syn·w_in). */
  readonly synapse?: { readonly decay: number; readonly gain: number };
}

export class HardResetNeuron implements Layer {
  readonly kind = 'neuron-hard-reset';
  /** Runs all steps in one call: it has no membrane to carry between time chunks. */
  readonly timing = 'whole-pass';
  private readonly out = new Scratch();

  constructor(readonly opts: HardResetOptions) {}

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const { T } = ctx;
    if (isTraining(ctx))
      throw new SpikerepError(
        'E_UNSUPPORTED',
        'hard-reset neurons imported from NIR run in eval mode only',
        this.opts.name,
      );
    const n = x.data.length / T;
    if (!Number.isInteger(n))
      throw new SpikerepError(
        'E_SHAPE',
        `expected [T·B, …] with T = ${T}, got [${x.shape.join(', ')}]`,
        this.opts.name,
      );
    const { decay, gain, leakDrive, threshold, vReset, compare, synapse } = this.opts;
    const y = this.out.get(ctx.k, x.data.length);
    ctx.k.neuronForward(x.data, y, {
      T,
      n,
      decay,
      gain,
      bias: leakDrive,
      threshold,
      strict: compare === '>',
      reset: { kind: 'value', value: vReset },
      magnitude: 1,
      ...(synapse === undefined ? {} : { synapse }),
    });
    return tensor(x.shape, y);
  }

  backward(): Tensor {
    throw new SpikerepError('E_UNSUPPORTED', 'hard-reset neurons imported from NIR have no backward', this.opts.name);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [];
  }

  cachedFloats(): number {
    return 0;
  }

  releaseCache(): void {}
}
