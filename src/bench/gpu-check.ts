/**
 * The GPU check's figures, measured with the bench's own code (kernel-bench.ts, train-bench.ts): GEMM 4096³,
 * the three passes of a PreAct-ResNet-18 3×3 conv at batch 128·T, and the images/s of the real DSR training step
 * of PreAct-ResNet-18 (T = 5, batch 128, CIFAR-shaped random data) and the MNIST convnet (T = 4, batch 256).
 * The quick sizes only show that the pieces run (a software adapter, a test): their figures mean nothing.
 */
import { convGeometry } from '../kernels/geometry.js';
import type { ConvGeometry, Kernels } from '../kernels/kernels.js';
import { convRows, gemmRow } from './kernel-bench.js';
import { benchTrainStep, type TrainBenchCase } from './train-bench.js';

type TrainSize = Pick<TrainBenchCase, 'batch' | 'T' | 'warmup' | 'steps'>;

export interface GpuCheckSizes {
  /** n of the n×n×n GEMM. */
  gemm: number;
  /** The conv layer: stage 1 of PreAct-ResNet-18 on CIFAR (32×32, 64 → 64 channels), batch·T images. */
  conv: ConvGeometry;
  resnet18: TrainSize;
  mnistnet: TrainSize;
  /** Timed repetitions of each kernel (the best is kept). */
  reps: number;
}

export const FULL_SIZES: GpuCheckSizes = {
  gemm: 4096,
  conv: convGeometry({ batch: 128 * 5, inH: 32, inW: 32, inC: 64, outC: 64, kH: 3, pad: 1 }),
  resnet18: { batch: 128, T: 5, warmup: 2, steps: 5 },
  mnistnet: { batch: 256, T: 4, warmup: 3, steps: 20 },
  reps: 5,
};

/** Every buffer above the webgpu backend's host-mirror size, so the GPU path runs; seconds on lavapipe. */
export const QUICK_SIZES: GpuCheckSizes = {
  gemm: 192,
  conv: convGeometry({ batch: 4, inH: 16, inW: 16, inC: 32, outC: 32, kH: 3, pad: 1 }),
  // batch·T ≥ 2: the last batch-norm needs two values per channel
  resnet18: { batch: 2, T: 1, warmup: 0, steps: 1 },
  mnistnet: { batch: 4, T: 4, warmup: 1, steps: 1 },
  reps: 2,
};

export interface GpuCheckFigures {
  gemm_4096_tflops: number | null;
  conv_passes_tflops: { forward: number | null; input_grad: number | null; filter_grad: number | null };
  train_resnet18_T5_images_per_s: number | null;
  train_mnistnet_T4_images_per_s: number | null;
  /** Why a figure is null, by its name. */
  errors: Record<string, string>;
}

/** Measures every figure; one that fails is null with its reason in `errors`, and the others still run. */
export function gpuCheck(k: Kernels, s: GpuCheckSizes, progress: (what: string) => void): GpuCheckFigures {
  const errors: Record<string, string> = {};
  const attempt = <T>(name: string, what: string, run: () => T): T | null => {
    progress(what);
    try {
      return run();
    } catch (e) {
      errors[name] = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
      return null;
    }
  };
  const tflops = (gflops: number | null | undefined): number | null => (gflops == null ? null : gflops / 1000);
  const gemm = attempt('gemm_4096_tflops', `gemm ${s.gemm}³`, () => gemmRow(k, s.gemm, s.reps).value);
  const g = s.conv;
  const conv = attempt(
    'conv_passes_tflops',
    `conv ${g.kH}×${g.kW} ${g.inC}→${g.outC} at ${g.inH}×${g.inW}, batch ${g.batch}`,
    () => convRows(k, g, s.reps),
  );
  const pass = (name: string): number | null => tflops(conv?.find((r) => r.name === name)?.value);
  const train = (name: string, c: TrainBenchCase): number | null =>
    attempt(name, `${c.model} T = ${c.T} batch ${c.batch} training steps`, () => benchTrainStep(k, c).imagesPerSecond);
  return {
    gemm_4096_tflops: tflops(gemm),
    conv_passes_tflops: {
      forward: pass('conv_fwd'),
      input_grad: pass('conv_bwd_input'),
      filter_grad: pass('conv_bwd_filter'),
    },
    train_resnet18_T5_images_per_s: train('train_resnet18_T5_images_per_s', {
      model: 'resnet18',
      neuron: 'if',
      ...s.resnet18,
    }),
    train_mnistnet_T4_images_per_s: train('train_mnistnet_T4_images_per_s', {
      model: 'mnistnet',
      neuron: 'if',
      ...s.mnistnet,
    }),
    errors,
  };
}
