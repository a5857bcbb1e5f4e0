/**
 * CIFAR-10 and CIFAR-100 "binary version" batches. Each record is the label byte(s) — CIFAR-10: the class;
 * CIFAR-100: coarse then fine — followed by 3072 bytes: the 32×32 red plane, then green, then blue, rows top to
 * bottom. Records are stored here channels-last [32, 32, 3] so batches need no transposition.
 */
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { defaultCacheDir } from './cacheDir.js';
import { CIFAR100_CLASSES } from './cifar100Classes.js';
import { findFile, isDirectory, readBytes } from './files.js';
import { U8ImageDataset } from './imageDataset.js';
import type { Split } from './mnistFormat.js';

export type CifarKind = 'cifar10' | 'cifar100';

const PLANE = 32 * 32;
const IMAGE = 3 * PLANE;

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** Spec §4.3 (the DSR code's Normalize constants). */
export const CIFAR_STATS = {
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  cifar100: { mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] },
} as const;

/** The archive's top folder and batch files. */
export const CIFAR_LAYOUT = {
  cifar10: {
    folder: 'cifar-10-batches-bin',
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
  },
  cifar100: { folder: 'cifar-100-binary', train: ['train.bin'], test: ['test.bin'] },
} as const;

export interface CifarRecords {
  /** uint8 [N, 32, 32, 3] */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** CIFAR-100 only: the 20 superclass labels. */
  coarse: Uint8Array | undefined;
}

/** Parses one batch file's bytes. */
export function parseCifarBatch(bytes: Uint8Array, kind: CifarKind, path: string): CifarRecords {
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const rec = labelBytes + IMAGE;
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new SpikerepError(
      'E_TRUNCATED',
      `${kind} batch of ${bytes.length} bytes is not a whole number of ${rec}-byte records (${labelBytes} label byte(s) + 3072 pixels)`,
      path,
    );
  }
  const n = bytes.length / rec;
  const pixels = new Uint8Array(n * IMAGE);
  const labels = new Uint8Array(n);
  const coarse = kind === 'cifar100' ? new Uint8Array(n) : undefined;
  const numFine = kind === 'cifar10' ? 10 : 100;
  for (let i = 0; i < n; i++) {
    const r = i * rec;
    const fine = bytes[r + labelBytes - 1]!;
    if (fine >= numFine) {
      throw new SpikerepError('E_LABEL', `label ${fine} in record ${i} is outside [0, ${numFine})`, path);
    }
    labels[i] = fine;
    if (coarse !== undefined) {
      const c = bytes[r]!;
      if (c >= 20) throw new SpikerepError('E_LABEL', `coarse label ${c} in record ${i} is outside [0, 20)`, path);
      coarse[i] = c;
    }
    const src = r + labelBytes;
    const dst = i * IMAGE;
    for (let p = 0; p < PLANE; p++) {
      pixels[dst + 3 * p] = bytes[src + p]!;
      pixels[dst + 3 * p + 1] = bytes[src + PLANE + p]!;
      pixels[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p]!;
    }
  }
  return { pixels, labels, coarse };
}

/** The folder that holds the batch files: `dir` itself, or its cifar-10-batches-bin / cifar-100-binary child. */
export function resolveCifarDir(kind: CifarKind, dir?: string): string {
  const base = dir ?? defaultCacheDir();
  const layout = CIFAR_LAYOUT[kind];
  const child = join(base, layout.folder);
  if (isDirectory(child)) return child;
  if (findFile(base, [layout.test[0]]) !== undefined) return base;
  throw new SpikerepError(
    'E_NOT_FOUND',
    `${kind}: no ${layout.folder}/ with ${layout.test[0]} here; download it (spikerep's ensureCifar / --download) or pass --data-dir`,
    base,
  );
}

export interface CifarLoadOptions {
  dataDir?: string;
  normalize?: boolean;
}

export class CifarDataset extends U8ImageDataset {
  /** CIFAR-100's superclass labels (undefined for CIFAR-10). */
  readonly coarseLabels: Uint8Array | undefined;
  constructor(kind: CifarKind, split: Split, recs: CifarRecords, normalize: boolean) {
    super({
      name: `${kind}-${split}`,
      pixels: recs.pixels,
      labels: recs.labels,
      shape: [32, 32, 3],
      classes: kind === 'cifar10' ? CIFAR10_CLASSES : CIFAR100_CLASSES,
      stats: CIFAR_STATS[kind],
      normalize,
    });
    this.coarseLabels = recs.coarse;
  }
}

export function loadCifar(kind: CifarKind, split: Split, opts: CifarLoadOptions = {}): CifarDataset {
  const dir = resolveCifarDir(kind, opts.dataDir);
  const parts = CIFAR_LAYOUT[kind][split].map((f) => {
    const path = join(dir, f);
    return parseCifarBatch(readBytes(path, `${kind} batch file`), kind, path);
  });
  const recs = parts.length === 1 ? parts[0]! : concat(parts);
  return new CifarDataset(kind, split, recs, opts.normalize ?? true);
}

function concat(parts: CifarRecords[]): CifarRecords {
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const out: CifarRecords = {
    pixels: new Uint8Array(n * IMAGE),
    labels: new Uint8Array(n),
    coarse: parts[0]!.coarse !== undefined ? new Uint8Array(n) : undefined,
  };
  let k = 0;
  for (const p of parts) {
    out.pixels.set(p.pixels, k * IMAGE);
    out.labels.set(p.labels, k);
    if (out.coarse !== undefined) out.coarse.set(p.coarse!, k);
    k += p.labels.length;
  }
  return out;
}
