/**
 * Surrogate-gradient (BPTT) neuron, one neuron at a time over t (threads split the neurons); see BpttAttrs in
 * src/kernels/kernels.ts. The membrane is float32 with the reference's rounding of every step; the surrogate
 * σ(slope·(u − α·vth)/vth) and all gradients are float64. Constants arrive already rounded as the reference
 * rounds them (vth, level = α·vth, decay, gain and mag = spikeScale·vth are float32 values).
 */

// @ts-ignore: decorator
@inline
function sigmoid(x: f64): f64 {
  return 1 / (1 + Math.exp(-x));
}

export function bpttFwd(
  inp: usize, spikes: usize, membrane: usize, T: i32, n: i32, vth: f32, level: f32, decay: f32, gain: f32,
  mag: f32, slope: f64, soft: i32, start: i32, end: i32,
): void {
  for (let i = start; i < end; i++) {
    let v: f32 = 0;
    for (let t = 0; t < T; t++) {
      const o = <usize>(t * n + i) * 4;
      const u: f32 = decay * v + gain * load<f32>(inp + o);
      store<f32>(membrane + o, u);
      if (soft) {
        const s = sigmoid((slope * (<f64>u - <f64>level)) / <f64>vth);
        v = <f32>(<f64>u - <f64>vth * s);
        store<f32>(spikes + o, <f32>(<f64>mag * s));
      } else {
        const fired = u >= level;
        v = fired ? u - vth : u;
        store<f32>(spikes + o, fired ? mag : 0);
      }
    }
  }
}

/** Reverse pass; this thread's float64 partial of d loss / d vth goes to out64. */
export function bpttBwd(
  membrane: usize, gradSpikes: usize, gradInput: usize, T: i32, n: i32, vth: f64, level: f64, decay: f64,
  gain: f64, mag: f64, spikeScale: f64, slope: f64, soft: i32, start: i32, end: i32, out64: usize,
): void {
  let dVth: f64 = 0;
  for (let i = start; i < end; i++) {
    let gv: f64 = 0; // ∂L/∂v[t], carried back from step t+1
    for (let t = T - 1; t >= 0; t--) {
      const o = <usize>(t * n + i) * 4;
      const u = <f64>load<f32>(membrane + o);
      const sig = sigmoid((slope * (u - level)) / vth);
      const s: f64 = soft ? sig : u >= level ? 1 : 0;
      const dsdz = slope * sig * (1 - sig);
      const gOut = <f64>load<f32>(gradSpikes + o);
      const gs = mag * gOut - vth * gv;
      const gu = gv + (gs * dsdz) / vth;
      store<f32>(gradInput + o, <f32>(gain * gu));
      dVth += spikeScale * s * gOut - s * gv - (gs * dsdz * u) / (vth * vth);
      gv = decay * gu;
    }
  }
  store<f64>(out64, dVth);
}
