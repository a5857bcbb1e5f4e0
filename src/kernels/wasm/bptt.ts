/**
 * Surrogate-gradient (BPTT) neuron (contract: BpttAttrs in kernels.ts). Plain loops on the views for now: the
 * DSR path never calls it, and its cost is linear in T·n.
 */
import type { BpttAttrs, Buf } from '../kernels.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function bpttForward(input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void {
  const { T, n, vth, decay, gain } = a;
  const thr = a.alpha * vth;
  const out = a.spikeScale * vth;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let t = 0; t < T; t++) {
      const o = t * n + i;
      const u = Math.fround(decay * v + gain * input[o]!);
      membrane[o] = u;
      const s = a.soft ? sigmoid((a.slope * (u - thr)) / vth) : u >= thr ? 1 : 0;
      v = Math.fround(u - vth * s);
      spikes[o] = out * s;
    }
  }
}

/** Reverse pass over t; returns d loss / d vth (through the output magnitude, the reset and the threshold). */
export function bpttBackward(membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number {
  const { T, n, vth, decay, gain, slope } = a;
  const thr = a.alpha * vth;
  let dVth = 0;
  for (let i = 0; i < n; i++) {
    let dv = 0; // d loss / d v[t], flowing back from step t+1
    for (let t = T - 1; t >= 0; t--) {
      const o = t * n + i;
      const u = membrane[o]!;
      const sg = sigmoid((slope * (u - thr)) / vth);
      const s = a.soft ? sg : u >= thr ? 1 : 0;
      const go = gradSpikes[o]!;
      const ds = go * a.spikeScale * vth - dv * vth;
      const dsdz = sg * (1 - sg) * slope; // z = (u − alpha·vth)/vth, s ≈ σ(slope·z)
      const du = dv + (ds * dsdz) / vth;
      gradInput[o] = du * gain;
      dVth += go * a.spikeScale * s - dv * s + ds * dsdz * (-u / (vth * vth));
      dv = du * decay;
    }
  }
  return dVth;
}
