/**
 * The surrogate-gradient (BPTT) backward of the neuron kernel, one neuron at a time over t (threads split the
 * neurons); see SurrogateBackwardAttrs in src/kernels/kernels.ts. The recorded membrane is float32; the surrogate
 * σ(slope·(u − level)/vth) and all gradients are float64. Constants arrive already rounded as the reference
 * rounds them (vth, level, decay, gain, mag = spikeScale·vth and the synaptic stage's are float32 values).
 */

// @ts-ignore: decorator
@inline
function sigmoid(x: f64): f64 {
  return 1 / (1 + Math.exp(-x));
}

/** Reverse pass; this thread's float64 partial of d loss / d vth goes to out64. */
export function bpttBwd(
  membrane: usize, gradSpikes: usize, gradInput: usize, T: i32, n: i32, vth: f64, level: f64, decay: f64,
  gain: f64, mag: f64, spikeScale: f64, slope: f64, soft: i32, syn: i32, synDecay: f64, synGain: f64,
  start: i32, end: i32, out64: usize,
): void {
  let dVth: f64 = 0;
  for (let i = start; i < end; i++) {
    let gv: f64 = 0; // ∂L/∂v[t], carried back from step t+1
    let gc: f64 = 0; // ∂L/∂I[t] of the synaptic current, carried back likewise
    for (let t = T - 1; t >= 0; t--) {
      const o = <usize>(t * n + i) * 4;
      const u = <f64>load<f32>(membrane + o);
      const sig = sigmoid((slope * (u - level)) / vth);
      const s: f64 = soft ? sig : u >= level ? 1 : 0;
      const dsdz = slope * sig * (1 - sig);
      const gOut = <f64>load<f32>(gradSpikes + o);
      const gs = mag * gOut - vth * gv;
      const gu = gv + (gs * dsdz) / vth;
      if (syn) {
        gc = gain * gu + synDecay * gc;
        store<f32>(gradInput + o, <f32>(synGain * gc));
      } else store<f32>(gradInput + o, <f32>(gain * gu));
      dVth += spikeScale * s * gOut - s * gv - (gs * dsdz * u) / (vth * vth);
      gv = decay * gu;
    }
  }
  store<f64>(out64, dVth);
}
