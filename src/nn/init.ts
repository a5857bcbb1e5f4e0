/**
 * Parameter initialisers, matching the PyTorch ones the DSR reference code relies on (docs/method.md §4). They write
 * parameter-sized buffers directly and draw from the seeded Rng, so a seed fixes every initial weight.
 */
import type { Buf } from '../kernels/kernels.js';
import type { Rng } from '../rng.js';

/** x[i] ~ U(lo, hi). */
export function uniform(x: Buf, lo: number, hi: number, rng: Rng): void {
  for (let i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * rng.uniform();
}

/** x[i] ~ N(mean, std²). */
export function normal(x: Buf, std: number, rng: Rng, mean = 0): void {
  for (let i = 0; i < x.length; i++) x[i] = mean + std * rng.normal();
}

/**
 * torch.nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu'): N(0, 2/fanOut), where
 * fanOut = outC·kH·kW for a conv weight [outC, kH, kW, inC] (and outF for a linear weight).
 */
export function kaimingNormalFanOut(x: Buf, fanOut: number, rng: Rng): void {
  normal(x, Math.sqrt(2 / fanOut), rng);
}

/**
 * PyTorch's default for Linear and Conv weights and biases (kaiming_uniform with a = √5 comes to the same
 * bound): U(−1/√fanIn, 1/√fanIn), fanIn = inF or inC·kH·kW.
 */
export function defaultUniform(x: Buf, fanIn: number, rng: Rng): void {
  const bound = 1 / Math.sqrt(fanIn);
  uniform(x, -bound, bound, rng);
}
