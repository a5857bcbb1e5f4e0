import type { Kernels } from '../kernels/kernels.js';
import { buildModel, type ModelName } from '../models/index.js';
import type { NeuronChoice } from '../models/neurons.js';
import type { GradMode } from '../nn/grad-mode.js';
import { crossEntropy } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import { zeroGrad } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import { Rng } from '../rng.js';
import { finish } from './device-sync.js';
import { type StepStats, stepStats } from './step-stats.js';

export interface TrainBenchCase {
  model: ModelName;
  neuron: NeuronChoice;
  T: number;
  batch: number;
  /** Timed steps, each timed on its own; the median is reported. */
  steps: number;
  /** Untimed steps first (default 3): allocators and caches settle over the first steps. */
  warmup?: number;
  /** Run the time-invariant first layers once per sample (default) or T times like the reference code. */
  firstLayersOnce?: boolean;
  /** 'exact' (default) or 'representation' (nn/grad-mode.ts). */
  gradMode?: GradMode;
  /** Forward in chunks of this many steps (nn/time-chunk.ts). */
  timeChunk?: number;
}

export interface TrainBenchResult {
  /** From the median step. */
  imagesPerSecond: number;
  /** The median step. */
  secondsPerStep: number;
  /** Every timed step, in order, and their spread. */
  stepSeconds: number[];
  spread: StepStats;
  /** Mean milliseconds of the forward simulation and of the backward pass within a step. */
  forwardMs: number;
  backwardMs: number;
  /** Floats kept for backward at the end of a forward (the activation memory of one step). */
  cachedMB: number;
}

/** The parts of a training step, in order; the profiler books kernel time to them. */
export type StepPhase = 'zero-grad' | 'forward' | 'loss' | 'backward' | 'optimiser';

/**
 * One training step (the work of train/step.ts's trainStep: zero the gradients, forward over T, loss, backward,
 * SGD) on random data of the model's input shape, with `onPhase` called as each part starts. Shared by the
 * training bench and the profiler, so both time the same step.
 */
export function benchStep(
  k: Kernels,
  c: TrainBenchCase,
  onPhase: (phase: StepPhase) => void = () => {},
): { net: Network; step: () => void; dispose: () => void } {
  const input: [number, number, number] = c.model === 'mnistnet' ? [28, 28, 1] : [32, 32, 3];
  const { net } = buildModel(k, {
    model: c.model,
    input,
    classes: 10,
    neuron: c.neuron,
    T: c.T,
    seed: 0,
    firstLayersOnce: c.firstLayersOnce,
    gradMode: c.gradMode,
    timeChunk: c.timeChunk,
  });
  const params = net.params();
  const opt = sgd({ momentum: 0.9, weightDecay: 5e-4 });
  let state = opt.init(params, k);
  const rng = new Rng(0);
  const x = k.alloc(c.batch * input[0] * input[1] * input[2]);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = Int32Array.from({ length: c.batch }, () => rng.int(10));
  const step = (): void => {
    onPhase('zero-grad');
    zeroGrad(params, k);
    onPhase('forward');
    const logits = net.forward({ shape: [c.batch, ...input], data: x }, { training: true, rng });
    onPhase('loss');
    const { grad } = crossEntropy(logits, labels, k, net.lossGrad(logits.data.length));
    onPhase('backward');
    net.backward(grad);
    onPhase('optimiser');
    state = opt.step(params, state, 0.01, k);
  };
  return { net, step, dispose: () => k.free(x) };
}

/** Times full training steps (forward over T, loss, backward, SGD) on random data of the model's input shape. */
export function benchTrainStep(k: Kernels, c: TrainBenchCase): TrainBenchResult {
  let forwardMs = 0;
  let backwardMs = 0;
  let cached = 0;
  let phaseStart = 0;
  let phase: StepPhase = 'zero-grad';
  // the forward and the backward timed apart; the activation memory read when the forward ends. A queued
  // backend (webgpu) is waited for whenever a timer reads the clock, so each part is charged its own device time.
  const { net, step, dispose } = benchStep(k, c, (next) => {
    finish(k);
    const now = performance.now();
    if (phase === 'forward') {
      forwardMs += now - phaseStart;
      cached = net.cachedFloats();
    }
    if (phase === 'backward') backwardMs += now - phaseStart;
    phase = next;
    phaseStart = now;
  });
  for (let s = 0; s < (c.warmup ?? 3); s++) step();
  finish(k);
  forwardMs = backwardMs = 0;
  const stepSeconds: number[] = [];
  for (let s = 0; s < c.steps; s++) {
    const t0 = performance.now();
    step();
    finish(k);
    stepSeconds.push((performance.now() - t0) / 1000);
  }
  dispose();
  const spread = stepStats(stepSeconds);
  return {
    imagesPerSecond: c.batch / spread.median,
    secondsPerStep: spread.median,
    stepSeconds,
    spread,
    forwardMs: forwardMs / c.steps,
    backwardMs: backwardMs / c.steps,
    cachedMB: (cached * 4) / 2 ** 20,
  };
}
