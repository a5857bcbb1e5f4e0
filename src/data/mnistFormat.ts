/**
 * One split of a dataset laid out like MNIST: four IDX files named train-/t10k- images-idx3-ubyte and
 * labels-idx1-ubyte, each plain or with .gz appended, holding 28×28 grey images and labels 0…9.
 * Optional SHA-256 checks run on the decompressed bytes, once per file version; the verdict is kept in memory.
 */
import { statSync } from 'node:fs';
import { SpikerepError } from '../errors.js';
import type { ChannelStats } from './dataset.js';
import { findFile, sha256Hex } from './files.js';
import { checkLabels, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxBytes } from './idx.js';
import { U8ImageDataset } from './imageDataset.js';

export type Split = 'train' | 'test';

export interface MnistFormatSpec {
  name: string;
  classes: readonly string[];
  stats: ChannelStats;
  /** Expected SHA-256 of the decompressed files, keyed by base name (e.g. 'train-images-idx3-ubyte'). */
  sha256?: Readonly<Record<string, string>>;
  /** What to tell the user when the folder lacks the files. */
  missingHint: string;
}

export function mnistFileNames(split: Split): { images: string; labels: string } {
  const p = split === 'train' ? 'train' : 't10k';
  return { images: `${p}-images-idx3-ubyte`, labels: `${p}-labels-idx1-ubyte` };
}

const verdicts = new Map<string, string>();

function verifyOnce(path: string, bytes: Uint8Array, expected: string): void {
  const st = statSync(path);
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  let got = verdicts.get(key);
  if (got === undefined) {
    got = sha256Hex(bytes);
    verdicts.set(key, got);
  }
  if (got !== expected) {
    throw new SpikerepError('E_CHECKSUM', `SHA-256 of the decompressed file is ${got}, expected ${expected}`, path);
  }
}

function readOne(dir: string, base: string, magic: number, spec: MnistFormatSpec) {
  const path = findFile(dir, [base, `${base}.gz`]);
  if (path === undefined) {
    throw new SpikerepError('E_NOT_FOUND', `${spec.name}: ${base}[.gz] not found; ${spec.missingHint}`, dir);
  }
  const bytes = readIdxBytes(path, magic, `${spec.name} file`);
  return { idx: parseIdx(bytes, magic, path), path, bytes, base };
}

export function loadMnistFormat(dir: string, split: Split, spec: MnistFormatSpec, normalize: boolean): U8ImageDataset {
  const names = mnistFileNames(split);
  const img = readOne(dir, names.images, IDX_IMAGES_MAGIC, spec);
  const lab = readOne(dir, names.labels, IDX_LABELS_MAGIC, spec);
  const [n, h, w] = img.idx.dims;
  if (h !== 28 || w !== 28) {
    throw new SpikerepError('E_SHAPE', `expected 28×28 images, file has ${h}×${w}`, img.path);
  }
  checkLabels(lab.idx.data, spec.classes.length, lab.path);
  if (lab.idx.dims[0] !== n) {
    throw new SpikerepError('E_SHAPE', `${lab.idx.dims[0]} labels but ${n} images in ${img.path}`, lab.path);
  }
  // format problems are reported first (more useful); then the files must be the canonical ones
  for (const f of [img, lab]) {
    const want = spec.sha256?.[f.base];
    if (want !== undefined) verifyOnce(f.path, f.bytes, want);
  }
  return new U8ImageDataset({
    name: `${spec.name}-${split}`,
    pixels: img.idx.data,
    labels: lab.idx.data,
    shape: [28, 28, 1],
    classes: spec.classes,
    stats: spec.stats,
    normalize,
  });
}
