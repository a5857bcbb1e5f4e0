import { type Tensor, tensor } from '../tensor.js';
import { takeCache } from './cache.js';
import { isTraining, type Layer, type RunContext } from './layer.js';
import type { Param } from './param.js';

/** What backward needs: the input shape to give the gradient back. */
interface FlattenCache {
  readonly inShape: readonly number[];
}

/**
 * [rows, H, W, C] (or any [rows, …]) → [rows, H·W·C], sharing the buffer: no copy either way.
 * The flattened order is channels-last (H, W, C), not PyTorch's (C, H, W).
 */
export class Flatten implements Layer {
  readonly kind = 'flatten';
  readonly timing = 'per-step';
  private cache: FlattenCache | null = null;

  outputShape(inputShape: readonly number[]): number[] {
    let row = 1;
    for (let i = 1; i < inputShape.length; i++) row *= inputShape[i]!;
    return [inputShape[0]!, row];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    this.cache = isTraining(ctx) ? { inShape: x.shape } : null;
    return tensor(this.outputShape(x.shape), x.data);
  }

  backward(dy: Tensor, _ctx: RunContext): Tensor {
    const { inShape } = takeCache(this.cache, 'flatten');
    this.cache = null;
    // rows from dy: B rows in representation mode (nn/grad-mode.ts), T·B otherwise
    return tensor([dy.shape[0]!, ...inShape.slice(1)], dy.data);
  }

  children(): readonly Layer[] {
    return [];
  }

  params(): Param[] {
    return [];
  }

  cachedFloats(): number {
    return 0;
  }

  releaseCache(): void {
    this.cache = null;
  }
}
