/**
 * Series batches as network input: [B, L, C] (row l of a sample holds its C channels at time l) becomes time-major
 * [T·B, C], step t of sample b in row t·B + b. The network's T is the run's `T`; the series' L rows are fitted to it:
 *  - L = T: row t feeds step t;
 *  - L > T: step t gets the mean of rows ⌊t·L/T⌋ … ⌊(t+1)·L/T⌋ − 1 (bins of ⌊L/T⌋ or ⌈L/T⌉ rows, none skipped);
 *  - L < T: step t holds row ⌊t·L/T⌋ (each row for T/L steps, in order).
 */
import { check } from '../errors.js';

export function seriesFrames(x: Float32Array, shape: readonly number[], T: number, out?: Float32Array): Float32Array {
  check(shape.length === 3, `expected a series batch [B, time, channels], got [${shape.join(', ')}]`, 'input');
  const [B, L, C] = shape as [number, number, number];
  check(L >= 1 && Number.isInteger(T) && T >= 1, `series of ${L} rows into T = ${T} steps`, 'T');
  const y = out?.length === T * B * C ? out : new Float32Array(T * B * C);
  for (let t = 0; t < T; t++) {
    const first = Math.floor((t * L) / T);
    const end = L > T ? Math.floor(((t + 1) * L) / T) : first + 1;
    const scale = 1 / (end - first);
    for (let b = 0; b < B; b++) {
      const dst = (t * B + b) * C;
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let l = first; l < end; l++) sum += x[(b * L + l) * C + c]!;
        y[dst + c] = sum * scale;
      }
    }
  }
  return y;
}
