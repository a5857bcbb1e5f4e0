import type { BatchNormAttrs, BatchNormBackwardAttrs, Buf } from '../kernels.js';

/*
 * Batch-norm over x[rows, channels] (channels-last, so x[r·C + c]): each channel is normalised with the
 * statistics of its own column. All column sums are float64.
 */

/** mean[c] = Σ_r x / rows;  variance[c] = Σ_r (x − mean)² / rows (biased, two-pass for accuracy). */
export function batchNormStats(x: Buf, mean: Buf, variance: Buf, attrs: BatchNormAttrs): void {
  const { rows, channels: C } = attrs;
  const s = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) s[c]! += x[r * C + c]!;
  for (let c = 0; c < C; c++) s[c] = s[c]! / rows;
  const q = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const d = x[r * C + c]! - s[c]!;
      q[c]! += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    mean[c] = s[c]!;
    variance[c] = q[c]! / rows;
  }
}

/** y = (x − mean)·invStd·gamma + beta, per channel. */
export function batchNormApply(
  x: Buf,
  y: Buf,
  mean: Buf,
  invStd: Buf,
  gamma: Buf,
  beta: Buf,
  attrs: BatchNormAttrs,
): void {
  const { rows, channels: C } = attrs;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      y[i] = (x[i]! - mean[c]!) * invStd[c]! * gamma[c]! + beta[c]!;
    }
  }
}

/**
 * Training-mode backward, through the batch mean and variance. With x̂ = (x − mean)·invStd and N = rows:
 *   dbeta = Σ dy,   dgamma = Σ dy·x̂,   dx = gamma·invStd/N · (N·dy − dbeta − x̂·dgamma)
 * (the last two terms are the paths through the mean and through the variance).
 */
export function batchNormBackward(
  x: Buf,
  dy: Buf,
  mean: Buf,
  invStd: Buf,
  gamma: Buf,
  dx: Buf,
  dgamma: Buf,
  dbeta: Buf,
  attrs: BatchNormBackwardAttrs,
): void {
  const { rows: N, channels: C } = attrs;
  const accumulate = attrs.accumulate === true;
  const sumDy = new Float64Array(C);
  const sumDyXhat = new Float64Array(C);
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const d = dy[i]!;
      sumDy[c]! += d;
      sumDyXhat[c]! += d * (x[i]! - mean[c]!) * invStd[c]!;
    }
  }
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const xhat = (x[i]! - mean[c]!) * invStd[c]!;
      dx[i] = ((gamma[c]! * invStd[c]!) / N) * (N * dy[i]! - sumDy[c]! - xhat * sumDyXhat[c]!);
    }
  }
  for (let c = 0; c < C; c++) {
    dgamma[c] = accumulate ? dgamma[c]! + sumDyXhat[c]! : sumDyXhat[c]!;
    dbeta[c] = accumulate ? dbeta[c]! + sumDy[c]! : sumDy[c]!;
  }
}
