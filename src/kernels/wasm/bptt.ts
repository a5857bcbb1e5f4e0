/**
 * Surrogate-gradient (BPTT) neuron (contract: BpttAttrs in kernels.ts), as plain loops on the views with the
 * reference backend's float32 rounding of the membrane. The DSR path never calls it; its cost is linear in T·n.
 */
import type { BpttAttrs, Buf } from '../kernels.js';

const f32 = Math.fround;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function constants(a: BpttAttrs): { vth: number; level: number; decay: number; gain: number; mag: number } {
  const vth = f32(a.vth);
  return {
    vth, level: f32(f32(a.alpha) * vth), decay: f32(a.decay), gain: f32(a.gain), mag: f32(a.spikeScale * vth),
  };
}

export function bpttForward(input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void {
  const { T, n, soft, slope } = a;
  const { vth, level, decay, gain, mag } = constants(a);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let t = 0; t < T; t++) {
      const o = t * n + i;
      const u = f32(f32(decay * v) + f32(gain * input[o]!));
      membrane[o] = u;
      if (soft) {
        const s = sigmoid((slope * (u - level)) / vth);
        v = f32(u - vth * s);
        spikes[o] = mag * s;
      } else {
        const fired = u >= level;
        v = fired ? f32(u - vth) : u;
        spikes[o] = fired ? mag : 0;
      }
    }
  }
}

/**
 * Reverse pass over t with ∂L/∂v carried from step t+1; returns d loss / d vth (through the spike magnitude,
 * the reset and the firing level). σ' is the logistic surrogate at z = (u − α·vth)/vth.
 */
export function bpttBackward(membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number {
  const { T, n, soft, slope, spikeScale } = a;
  const { vth, level, decay, gain, mag } = constants(a);
  let dVth = 0;
  for (let i = 0; i < n; i++) {
    let dv = 0;
    for (let t = T - 1; t >= 0; t--) {
      const o = t * n + i;
      const u = membrane[o]!;
      const sg = sigmoid((slope * (u - level)) / vth);
      const s = soft ? sg : u >= level ? 1 : 0;
      const dsdz = slope * sg * (1 - sg);
      const go = gradSpikes[o]!;
      const ds = mag * go - vth * dv;
      const du = dv + (ds * dsdz) / vth;
      gradInput[o] = gain * du;
      dVth += spikeScale * s * go - s * dv - (ds * dsdz * u) / (vth * vth);
      dv = decay * du;
    }
  }
  return dVth;
}
