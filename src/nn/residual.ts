import { SpikerepError } from '../errors.js';
import { type Tensor, tensor } from '../tensor.js';
import { buffersOf, type NamedBuffer } from './buffers.js';
import { giveGrad, takeGrad } from './grad-pool.js';
import type { Layer, RunContext } from './layer.js';
import type { Param } from './param.js';
import { Scratch } from './scratch.js';

export interface ResidualOptions {
  readonly main: Layer;
  /** A projection (e.g. a 1×1 conv) or null for the identity. */
  readonly shortcut: Layer | null;
}

/**
 * y = main(x) + shortcut(x), the identity shortcut when it is null. Backward adds the two input gradients.
 * In the DSR PreAct block this sits after the first BN → neuron, so both branches see that neuron's spikes
 * (docs/method.md §3). No cache of its own: the branches keep what they need.
 */
export class Residual implements Layer {
  readonly kind = 'residual';
  readonly timing = 'whole-pass';
  readonly main: Layer;
  readonly shortcut: Layer | null;
  private readonly out = new Scratch();

  constructor(opts: ResidualOptions) {
    this.main = opts.main;
    this.shortcut = opts.shortcut;
  }

  outputShape(inputShape: readonly number[], ctx: Pick<RunContext, 'T' | 'batch'>): number[] {
    const a = this.main.outputShape(inputShape, ctx);
    const b = this.shortcut === null ? [...inputShape] : this.shortcut.outputShape(inputShape, ctx);
    sameShape(a, b);
    return a;
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    const a = this.main.forward(x, ctx);
    const b = this.shortcut === null ? x : this.shortcut.forward(x, ctx);
    sameShape(a.shape, b.shape);
    const y = this.out.get(ctx.k, a.data.length);
    ctx.k.elementwise([a.data, b.data], y, { op: 'add' });
    return tensor(a.shape, y);
  }

  backward(dy: Tensor, ctx: RunContext): Tensor {
    const da = this.main.backward(dy, ctx);
    const db = this.shortcut === null ? dy : this.shortcut.backward(dy, ctx);
    const dx = takeGrad(ctx.k, da.data.length);
    ctx.k.elementwise([da.data, db.data], dx, { op: 'add' });
    giveGrad(ctx.k, da, dy);
    if (db !== dy) giveGrad(ctx.k, db, dy);
    return tensor(da.shape, dx);
  }

  children(): readonly Layer[] {
    return this.shortcut === null ? [this.main] : [this.main, this.shortcut];
  }

  params(): Param[] {
    return this.shortcut === null ? this.main.params() : [...this.main.params(), ...this.shortcut.params()];
  }

  buffers(): NamedBuffer[] {
    return buffersOf([this.main, this.shortcut]);
  }

  cachedFloats(): number {
    return this.main.cachedFloats() + (this.shortcut?.cachedFloats() ?? 0);
  }

  releaseCache(): void {
    this.main.releaseCache();
    this.shortcut?.releaseCache();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new SpikerepError(
      'E_SHAPE',
      `residual: main branch gives [${a.join(', ')}] but shortcut gives [${b.join(', ')}]`,
    );
  }
}
