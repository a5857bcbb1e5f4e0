/** The one check of integer class labels every backend's loss makes before it reads a logit. */
import { SpikerepError } from '../errors.js';

export function checkLabels(labels: Int32Array, rows: number, classes: number): void {
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    if (!(label >= 0 && label < classes)) {
      throw new SpikerepError(
        'E_LABEL',
        `softmaxCrossEntropy: label ${label} at row ${r} is outside 0..${classes - 1}`,
      );
    }
  }
}
