import { SpikerepError } from '../errors.js';
import type { Param } from '../nn/param.js';

/**
 * Stops a run whose loss or weights stopped being finite numbers (a learning rate far too high, bad data): one line
 * saying where, thrown before the epoch's checkpoint is written, so last.ckpt keeps the last good epoch.
 * A scan of the weights costs about as much as one optimiser update, far less than a training step.
 */
export function checkFinite(loss: number, params: readonly Param[], epoch: number, step: number, lr: number): void {
  const where = `epoch ${epoch}, step ${step}`;
  const hint = `(learning rate ${lr}: try a lower \`lr\`); the last checkpoint still holds the previous epoch`;
  if (!Number.isFinite(loss))
    throw new SpikerepError('E_NAN', `the training loss became ${loss} at ${where} ${hint}`, 'lr');
  for (const p of params) {
    const v = p.value;
    for (let i = 0; i < v.length; i++) {
      // x − x is 0 for every finite x and NaN for NaN and ±Inf
      if (v[i]! - v[i]! !== 0)
        throw new SpikerepError('E_NAN', `weight ${p.name}[${i}] became ${v[i]} at ${where} ${hint}`, 'lr');
    }
  }
}
