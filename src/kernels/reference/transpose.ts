import type { Buf, TransposeAttrs } from '../kernels.js';
import { checkTranspose } from '../transpose-shape.js';

/** y[c·rows + r] = x[r·cols + c]: a plain copy, so every backend must give these bits exactly. */
export function transpose(x: Buf, y: Buf, attrs: TransposeAttrs): void {
  checkTranspose(x, y, attrs);
  const { rows, cols } = attrs;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c]!;
}
