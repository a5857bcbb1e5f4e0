/**
 * A gradient that is the same at every time step, held once ([B, …]) instead of repeated T times ([T·B, …]): what
 * a DSR neuron's summed backward gives its input (every step gets gIn/T, docs/method.md §6.6). The neuron hands it
 * on in this form only where the layer below takes it (takesSharedSteps): a conv/linear + batch-norm block in exact
 * mode, whose batch-norm backward reads it as the repeated gradient (kernels' batchNormBackward sharedSteps) and
 * whose conv or linear input-gradient pass gets its time sum from the same pass (timeSum). The T copies, written by
 * the neuron and read twice by the batch-norm, and the time sum's own pass over them, are never made.
 */
import type { Tensor } from '../tensor.js';
import type { Layer, RunContext } from './layer.js';

export interface SharedStepsGradient extends Tensor {
  /** The steps it stands for: the tensor it replaces has this many times its rows. */
  readonly sharedSteps: number;
}

/** How many steps `t` stands for: 1 for an ordinary gradient. */
export function sharedStepsOf(t: Tensor): number {
  return (t as Partial<SharedStepsGradient>).sharedSteps ?? 1;
}

/** Whether layer l's backward now due takes a gradient shared by the steps (Layer.takesSharedSteps). */
export function takesSharedSteps(l: Layer | undefined, ctx: RunContext): boolean {
  return l?.takesSharedSteps?.(ctx) === true;
}
