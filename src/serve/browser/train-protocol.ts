/** What the demo page and its training worker (train-worker.ts) say to each other. */
import type { SampleRaster } from '../../report/raster.js';
import type { EpochRecord } from '../../train/run-meta.js';

export type TrainBackendChoice = 'auto' | 'wasm' | 'webgpu' | 'reference';

/** The settings the panel offers; everything else is the CLI's default (train/config.ts). */
export interface TrainSettings {
  readonly dataset: 'mnist' | 'fashion-mnist';
  readonly T: number;
  readonly neuron: 'if' | 'lif';
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
}

/** uint8 pixels [n, H, W, C] and their labels. */
export interface ImageSet {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

export interface TrainData {
  readonly shape: [number, number, number];
  readonly classes: string[];
  readonly stats: { mean: number[]; std: number[] };
  readonly train: ImageSet;
  readonly test: ImageSet;
}

export type TrainRequest =
  | {
      type: 'train';
      settings: TrainSettings;
      data: TrainData;
      backend: TrainBackendChoice;
      threads: number;
    }
  | { type: 'nir' };

export type TrainEvent =
  | { type: 'backend'; backend: string; note?: string }
  /** After every training step: the step's own loss and accuracy, and the training images per second so far. */
  | {
      type: 'step';
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      accuracy: number;
      imagesPerSecond: number;
    }
  /** Test accuracy at `at` epochs (fractions during an epoch). */
  | { type: 'test'; at: number; accuracy: number }
  | { type: 'epoch'; record: EpochRecord }
  | {
      type: 'done';
      testAccuracy: number;
      imagesPerSecond: number;
      raster: SampleRaster;
      label: number;
      /** A spikerep checkpoint file, as `spikerep eval --checkpoint` reads it. */
      checkpoint: ArrayBuffer;
    }
  | { type: 'nir'; file: ArrayBuffer }
  | { type: 'error'; message: string };
