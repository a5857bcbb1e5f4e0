/**
 * A NIR graph run by the graph executor (nir-graph-run.ts) as the body of a spikerep Network, so that graphs
 * that are not chains evaluate on the built-in test sets like any imported network. The input arrives the way
 * the network feeds its body, time-major [T·B, H, W, C] (channels last), and goes to the graph channels first;
 * the output leaves as [T·B, size] for the rate readout. Eval only; it runs all steps in one call.
 */
import { SpikerepError } from '../errors.js';
import type { Layer, RunContext } from '../nn/layer.js';
import { isTraining } from '../nn/layer.js';
import type { Param } from '../nn/param.js';
import { Scratch } from '../nn/scratch.js';
import { type Tensor, tensor } from '../tensor.js';
import type { NirGraphProgram } from './nir-graph-run.js';

export class NirGraphLayer implements Layer {
  readonly kind = 'nir-graph';
  readonly timing = 'whole-pass';
  private readonly out = new Scratch();

  constructor(
    readonly program: NirGraphProgram,
    readonly name: string,
  ) {}

  outputShape(inputShape: readonly number[]): number[] {
    return [inputShape[0]!, this.program.outputShape.reduce((a, b) => a * b, 1)];
  }

  forward(x: Tensor, ctx: RunContext): Tensor {
    if (isTraining(ctx))
      throw new SpikerepError('E_UNSUPPORTED', 'graphs imported from NIR run in eval mode only', this.name);
    const { k, T } = ctx;
    const shape = this.program.inputShape;
    const n = shape.reduce((a, b) => a * b, 1);
    const rows = x.data.length / n;
    const B = rows / T;
    if (!Number.isInteger(B))
      throw new SpikerepError('E_SHAPE', `expected [T·B, …] with T = ${T}, got [${x.shape.join(', ')}]`, this.name);
    k.toHost(x.data);
    // channels last → channels first, per row
    const nir = new Float64Array(x.data.length);
    if (shape.length === 3) {
      const [C, H, W] = shape as [number, number, number];
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < C; c++)
          for (let p = 0; p < H * W; p++) nir[r * n + c * H * W + p] = x.data[r * n + p * C + c]!;
    } else for (let i = 0; i < nir.length; i++) nir[i] = x.data[i]!;
    const { output } = this.program.run(nir, [T, B, ...shape], 'none', this.name);
    const y = this.out.get(k, output.length);
    y.set(output);
    k.fromHost(y);
    return tensor([rows, output.length / rows], y);
  }

  backward(): Tensor {
    throw new SpikerepError('E_UNSUPPORTED', 'graphs imported from NIR have no backward', this.name);
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

  releaseCache(): void {}
}
