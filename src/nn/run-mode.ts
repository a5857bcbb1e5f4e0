/**
 * How one pass runs, as one value the network builds for the whole pass (RunContext.mode): evaluation or
 * training, and for training how gradients flow and how many identical steps a row stands for; for both, which
 * of the pass's time steps this call holds (all of them, or one chunk of a time-chunked forward).
 */

/** How gradients flow between layers (nn/grad-mode.ts). */
export type GradMode = 'exact' | 'representation';
export const GRAD_MODES: readonly GradMode[] = ['exact', 'representation'];

/** This call holds steps [start, start + ctx.T) of the pass's `total` steps. */
export interface StepWindow {
  readonly start: number;
  readonly total: number;
  /** False for one pass over all steps; true for a chunk of a time-chunked forward (nn/time-chunk.ts). */
  readonly chunked: boolean;
}

/** Running statistics in batch-norm, no dropout, nothing kept for backward. */
export interface EvalMode {
  readonly phase: 'eval';
  readonly steps: StepWindow;
}

/** Batch statistics in batch-norm, active dropout, caches kept for backward. */
export interface TrainMode {
  readonly phase: 'train';
  readonly steps: StepWindow;
  readonly gradMode: GradMode;
  /**
   * How many identical time steps each row stands for: T in the time-invariant leading layers that the network
   * runs once per sample, so batch-norm counts the T·B rows for its running variance; 1 elsewhere.
   */
  readonly timeCopies: number;
}

export type RunMode = EvalMode | TrainMode;

/** One pass over all T steps. */
export function wholePass(T: number): StepWindow {
  return { start: 0, total: T, chunked: false };
}

export function evalMode(T: number): EvalMode {
  return { phase: 'eval', steps: wholePass(T) };
}

export function trainMode(T: number, gradMode: GradMode = 'exact'): TrainMode {
  return { phase: 'train', steps: wholePass(T), gradMode, timeCopies: 1 };
}

/** The same pass run once per sample, each row standing for `copies` identical steps. */
export function oncePerSample(mode: RunMode, copies: number): RunMode {
  return mode.phase === 'eval'
    ? { ...mode, steps: wholePass(1) }
    : { ...mode, steps: wholePass(1), timeCopies: copies };
}

/** The same pass restricted to the chunk of its `total` steps that starts at `start` (its length is ctx.T). */
export function chunkOf(mode: RunMode, start: number, total: number): RunMode {
  return { ...mode, steps: { start, total, chunked: true } };
}
