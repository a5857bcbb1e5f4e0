/**
 * DVS-CIFAR10 (CIFAR10-DVS) as the DSR code uses it (docs/method.md §4.3): the folder holds one subfolder per class with
 * files cifar10_<class>_<i>.aedat, i = 0…999; per class, files 0–899 are training and 900–999 test. A sample is
 * T frames of equal event counts, [T, 128, 128, 2], resized bilinearly to [T, 48, 48, 2]; raw counts, no
 * normalisation. Files are parsed when read; `cache` keeps the resized frames in memory after the first read.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { check, SpikerepError } from '../errors.js';
import { DVS_SIZE, framesByCount, parseAedat } from './aedat.js';
import { defaultCacheDir } from './cacheDir.js';
import { CIFAR10_CLASSES } from './cifar.js';
import type { Dataset } from './dataset.js';
import { isDirectory, readBytes } from './files.js';
import type { Split } from './mnistFormat.js';
import { resizeBilinear } from './resize.js';

export interface DvsCifar10Options {
  /** The folder with the ten class subfolders (default: <cache>/cifar10-dvs). */
  dataDir?: string;
  /** Number of frames (time steps) per sample. */
  T: number;
  /** Output height and width (default 48). */
  size?: number;
  /** Files per class (default 1000) and how many of them, from index 0, are training (default 900). */
  filesPerClass?: number;
  trainPerClass?: number;
  cache?: boolean;
}

export function dvsFileName(cls: string, i: number): string {
  return join(cls, `cifar10_${cls}_${i}.aedat`);
}

export class DvsCifar10 implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly classes = CIFAR10_CLASSES;
  readonly stats = undefined;
  readonly normalized = false;
  private readonly files: string[] = [];
  private readonly labels: Uint8Array;
  private readonly T: number;
  private readonly size: number;
  private readonly scratch: Float32Array;
  private readonly memo: Map<number, Float32Array> | undefined;

  constructor(split: Split, opts: DvsCifar10Options) {
    check(Number.isInteger(opts.T) && opts.T > 0, `T must be a positive integer, got ${opts.T}`);
    const size = opts.size ?? 48;
    const perClass = opts.filesPerClass ?? 1000;
    const nTrain = opts.trainPerClass ?? Math.round(0.9 * perClass);
    check(nTrain >= 0 && nTrain <= perClass, `trainPerClass must lie in [0, ${perClass}]`);
    const root = opts.dataDir ?? join(defaultCacheDir(), 'cifar10-dvs');
    if (!isDirectory(root)) {
      throw new SpikerepError(
        'E_NOT_FOUND',
        'DVS-CIFAR10 folder not found: expected one subfolder of .aedat files per class; pass --data-dir',
        root,
      );
    }
    const [lo, hi] = split === 'train' ? [0, nTrain] : [nTrain, perClass];
    const labels: number[] = [];
    CIFAR10_CLASSES.forEach((cls, label) => {
      for (let i = lo; i < hi; i++) {
        const f = join(root, dvsFileName(cls, i));
        if (!existsSync(f)) {
          throw new SpikerepError('E_NOT_FOUND', `DVS-CIFAR10 file missing (expected ${perClass} files per class)`, f);
        }
        this.files.push(f);
        labels.push(label);
      }
    });
    this.labels = Uint8Array.from(labels);
    this.name = `dvs-cifar10-${split}`;
    this.length = this.files.length;
    this.T = opts.T;
    this.size = size;
    this.sampleShape = [opts.T, size, size, 2];
    this.scratch = new Float32Array(opts.T * DVS_SIZE * DVS_SIZE * 2);
    this.memo = opts.cache === true ? new Map() : undefined;
  }

  label(i: number): number {
    return this.labels[i]!;
  }

  read(i: number, out: Float32Array, offset: number): void {
    const hit = this.memo?.get(i);
    if (hit !== undefined) {
      out.set(hit, offset);
      return;
    }
    const path = this.files[i]!;
    const frames = framesByCount(parseAedat(readBytes(path, 'DVS-CIFAR10 event file'), path), this.T, this.scratch);
    resizeBilinear(frames, this.T, DVS_SIZE, DVS_SIZE, 2, this.size, this.size, out, offset);
    if (this.memo !== undefined) {
      const n = this.T * this.size * this.size * 2;
      this.memo.set(i, out.slice(offset, offset + n));
    }
  }
}
