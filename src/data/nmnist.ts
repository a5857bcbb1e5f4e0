/**
 * N-MNIST (Orchard et al. 2015) as extracted from its archives: `<dataDir>/Train/0…9/*.bin` and `<dataDir>/Test/0…9/*.bin`,
 * one event file per sample (nmnistEvents.ts), the class being the folder's digit. A sample is T frames of equal event
 * counts at the sensor's 34×34 resolution, channels-last [T, 34, 34, 2] (channel = polarity: 0 OFF, 1 ON); raw
 * counts, no normalisation, the same framing as DVS-CIFAR10 (aedat.ts). Files are parsed when read.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { check, SpikerepError } from '../errors.js';
import { framesByCount } from './aedat.js';
import { defaultCacheDir } from './cacheDir.js';
import type { Dataset } from './dataset.js';
import { isDirectory, readBytes } from './files.js';
import type { Split } from './mnistFormat.js';
import { NMNIST_SENSOR, parseNmnist } from './nmnistEvents.js';

export interface NMnistOptions {
  /** The folder holding Train/ and Test/ (default: <cache>/n-mnist). */
  dataDir?: string;
  /** Number of frames (time steps) per sample. */
  T: number;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export class NMnist implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly classes = DIGITS;
  readonly stats = undefined;
  readonly normalized = false;
  private readonly files: string[] = [];
  private readonly labels: Uint8Array;
  private readonly T: number;

  constructor(split: Split, opts: NMnistOptions) {
    check(Number.isInteger(opts.T) && opts.T > 0, `T must be a positive integer, got ${opts.T}`);
    const root = opts.dataDir ?? join(defaultCacheDir(), 'n-mnist');
    const folder = join(root, split === 'train' ? 'Train' : 'Test');
    if (!isDirectory(folder))
      throw new SpikerepError(
        'E_NOT_FOUND',
        `N-MNIST folder not found: expected ${split === 'train' ? 'Train' : 'Test'}/0…9 of .bin event files in it; pass --data-dir`,
        root,
      );
    const labels: number[] = [];
    DIGITS.forEach((digit, label) => {
      const dir = join(folder, digit);
      if (!isDirectory(dir))
        throw new SpikerepError('E_NOT_FOUND', 'N-MNIST class folder missing (expected one per digit 0…9)', dir);
      const names = readdirSync(dir)
        .filter((f) => f.toLowerCase().endsWith('.bin'))
        .sort();
      for (const f of names) {
        this.files.push(join(dir, f));
        labels.push(label);
      }
    });
    this.labels = Uint8Array.from(labels);
    this.name = `n-mnist-${split}`;
    this.length = this.files.length;
    this.T = opts.T;
    this.sampleShape = [opts.T, NMNIST_SENSOR.height, NMNIST_SENSOR.width, 2];
  }

  label(i: number): number {
    return this.labels[i]!;
  }

  read(i: number, out: Float32Array, offset: number): void {
    const path = this.files[i]!;
    const n = this.T * NMNIST_SENSOR.height * NMNIST_SENSOR.width * 2;
    const events = parseNmnist(readBytes(path, 'N-MNIST event file'), path);
    framesByCount(events, this.T, out.subarray(offset, offset + n), NMNIST_SENSOR);
  }
}
