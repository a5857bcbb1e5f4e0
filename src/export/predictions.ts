/** Class predictions of a network on the first samples of an image dataset (direct encoding, eval mode). */
import type { Dataset } from '../data/dataset.js';
import { gatherBatch } from '../data/dataset.js';
import { argmaxRows } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import { Rng } from '../rng.js';

export function predictDataset(
  net: Network,
  ds: Dataset,
  limit = ds.length,
  batchSize = 100,
): { predictions: Int32Array; labels: Int32Array } {
  const n = Math.min(limit, ds.length);
  const predictions = new Int32Array(n);
  const labels = new Int32Array(n);
  const rng = new Rng(0);
  for (let start = 0; start < n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const b = gatherBatch(ds, idx);
    const logits = net.forward(
      { shape: [idx.length, ...b.shape.slice(1)], data: b.x },
      { training: false, rng, encoding: 'direct' },
    );
    net.k.toHost(logits.data);
    predictions.set(argmaxRows(logits), start);
    labels.set(b.labels, start);
  }
  return { predictions, labels };
}

/** How many positions hold the same value. */
export function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] === b[i]) same++;
  return same;
}
