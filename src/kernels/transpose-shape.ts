/** The transpose kernel's shape rule (TransposeAttrs), checked in one place so that backends cannot disagree. */
import { SpikerepError } from '../errors.js';
import type { Buf, TransposeAttrs } from './kernels.js';

/** Throws E_SHAPE unless rows and cols are counts and x and y each hold rows·cols floats. */
export function checkTranspose(x: Buf, y: Buf, attrs: TransposeAttrs): void {
  const { rows, cols } = attrs;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0)
    throw new SpikerepError('E_SHAPE', `transpose: rows and cols must be integers ≥ 0, got ${rows} and ${cols}`);
  const n = rows * cols;
  if (x.length !== n || y.length !== n)
    throw new SpikerepError(
      'E_SHAPE',
      `transpose: x and y must hold ${rows}·${cols} = ${n} floats, got ${x.length} and ${y.length}`,
    );
}
