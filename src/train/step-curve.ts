/**
 * The training curve within an epoch, kept compact: the mean loss and accuracy over windows of consecutive
 * batches, at most a few dozen points per epoch (fewer for long runs), so a one-epoch run still draws a curve
 * and a hundred-epoch run's checkpoint stays small.
 */
import type { StepPoint } from './run-meta.js';

/** Points per epoch: 50 for a short run, down to 5 for a long one (about 400 over the run). */
export function pointsPerEpoch(epochs: number): number {
  return Math.min(50, Math.max(5, Math.ceil(400 / Math.max(1, epochs))));
}

export class StepCurve {
  readonly points: StepPoint[] = [];
  private readonly window: number;
  private batches = 0;
  private lossSum = 0;
  private correct = 0;
  private seen = 0;

  /** `batches`: the epoch's batch count; `epoch`: epochs done before this one. */
  constructor(
    private readonly batchesInEpoch: number,
    private readonly epoch: number,
    epochs: number,
  ) {
    this.window = Math.max(1, Math.ceil(batchesInEpoch / pointsPerEpoch(epochs)));
  }

  /** One batch's mean loss and correct count out of `size`; `step` is the optimiser steps taken after it. */
  add(loss: number, correct: number, size: number, step: number, batchIndex: number): void {
    this.lossSum += loss * size;
    this.correct += correct;
    this.seen += size;
    this.batches++;
    if (this.batches < this.window && batchIndex + 1 < this.batchesInEpoch) return;
    this.points.push({
      step,
      epoch: this.epoch + (batchIndex + 1) / this.batchesInEpoch,
      loss: this.lossSum / this.seen,
      accuracy: this.correct / this.seen,
    });
    this.batches = 0;
    this.lossSum = 0;
    this.correct = 0;
    this.seen = 0;
  }
}
