/**
 * Your own sensor or feature data as a dataset: N labelled samples of [time, channels] floats. In `dataDir`, one split
 * is the first of
 *  - `<split>.npz` holding arrays `x` [N, time, channels] (or [N, time]: one channel) and `y` [N];
 *  - `<split>_x.npy` and `<split>_y.npy`, the same two arrays;
 *  - `<split>.csv`, one sample a row: the label, then time × channels values, time-major (t0c0, t0c1, …, t1c0, …);
 *    `channels` says how many channels (default 1); a first row that is not numbers is a header and skipped.
 * Labels are whole numbers ≥ 0. Class names come from `classes.txt` (one a line) when the folder has it; otherwise
 * the classes are 0 … the largest label. Values are used as they are (no normalisation).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, SpikerepError } from '../errors.js';
import { readNpy } from '../io/npy.js';
import { readNpz } from '../io/npz.js';
import type { Dataset } from './dataset.js';
import { readBytes } from './files.js';
import type { Split } from './mnistFormat.js';

export interface TimeSeriesOptions {
  dataDir: string;
  /** Channels per step of a CSV file (default 1); .npy/.npz files carry their shape. */
  channels?: number;
  /** The dataset's name (default 'timeseries'). */
  name?: string;
}

interface Arrays {
  x: { shape: readonly number[]; data: Float32Array; file: string };
  y: { shape: readonly number[]; data: Float32Array; file: string };
}

async function readArrays(dir: string, split: Split, channels: number): Promise<Arrays> {
  const npz = join(dir, `${split}.npz`);
  if (existsSync(npz)) {
    const arrays = await readNpz(npz);
    const x = arrays.get('x');
    const y = arrays.get('y');
    if (x === undefined || y === undefined)
      throw new SpikerepError(
        'E_FORMAT',
        `expected arrays 'x' and 'y' in the .npz, found ${[...arrays.keys()].join(', ') || 'none'}`,
        npz,
      );
    return { x: { ...x, file: `${npz}[x]` }, y: { ...y, file: `${npz}[y]` } };
  }
  const xPath = join(dir, `${split}_x.npy`);
  const yPath = join(dir, `${split}_y.npy`);
  if (existsSync(xPath)) {
    const x = readNpy(xPath, 'time-series');
    const y = readNpy(yPath, 'label');
    return { x: { ...x, file: xPath }, y: { ...y, file: yPath } };
  }
  const csv = join(dir, `${split}.csv`);
  if (existsSync(csv)) return readCsv(csv, channels);
  throw new SpikerepError(
    'E_NOT_FOUND',
    `no ${split} data: expected ${split}.npz, ${split}_x.npy with ${split}_y.npy, or ${split}.csv`,
    dir,
  );
}

function readCsv(path: string, channels: number): Arrays {
  const text = new TextDecoder().decode(readBytes(path, 'CSV file'));
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (rows.length > 0 && !/^\s*[-+0-9.]/.test(rows[0]!)) rows.shift(); // a header
  if (rows.length === 0) throw new SpikerepError('E_FORMAT', 'the CSV file has no data rows', path);
  const width = rows[0]!.split(',').length - 1;
  if (width < channels || width % channels !== 0)
    throw new SpikerepError(
      'E_SHAPE',
      `row 1 has ${width} values after the label, not a positive multiple of ${channels} channels`,
      path,
    );
  const x = new Float32Array(rows.length * width);
  const y = new Float32Array(rows.length);
  rows.forEach((row, r) => {
    const cells = row.split(',');
    if (cells.length !== width + 1)
      throw new SpikerepError('E_SHAPE', `row ${r + 1} has ${cells.length} cells, expected ${width + 1}`, path);
    for (let k = 0; k <= width; k++) {
      const v = Number(cells[k]!.trim());
      if (cells[k]!.trim() === '' || !Number.isFinite(v))
        throw new SpikerepError('E_FORMAT', `row ${r + 1}, column ${k + 1} is not a number: '${cells[k]}'`, path);
      if (k === 0) y[r] = v;
      else x[r * width + k - 1] = v;
    }
  });
  return {
    x: { shape: [rows.length, width / channels, channels], data: x, file: path },
    y: { shape: [rows.length], data: y, file: path },
  };
}

function readClasses(dir: string, labels: Int32Array, file: string): string[] {
  let top = -1;
  for (const l of labels) top = Math.max(top, l);
  const path = join(dir, 'classes.txt');
  if (!existsSync(path)) return Array.from({ length: top + 1 }, (_, k) => String(k));
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (top >= names.length)
    throw new SpikerepError('E_LABEL', `label ${top} but classes.txt names only ${names.length} classes`, file);
  return names;
}

export async function loadTimeSeries(split: Split, opts: TimeSeriesOptions): Promise<Dataset> {
  const channels = opts.channels ?? 1;
  check(Number.isInteger(channels) && channels >= 1, `channels must be a whole number ≥ 1, got ${channels}`);
  const { x, y } = await readArrays(opts.dataDir, split, channels);
  if (x.shape.length !== 2 && x.shape.length !== 3)
    throw new SpikerepError(
      'E_SHAPE',
      `expected [N, time, channels] or [N, time], got [${x.shape.join(', ')}]`,
      x.file,
    );
  const [N, T, C = 1] = x.shape as [number, number, number?];
  if (N === 0 || T === 0 || C === 0)
    throw new SpikerepError('E_SHAPE', `an empty array [${x.shape.join(', ')}]`, x.file);
  if (y.shape.length !== 1 || y.shape[0] !== N)
    throw new SpikerepError('E_SHAPE', `expected ${N} labels [${N}], got [${y.shape.join(', ')}]`, y.file);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = y.data[i]!;
    if (!Number.isInteger(v) || v < 0)
      throw new SpikerepError('E_LABEL', `label ${v} of sample ${i} is not a whole number ≥ 0`, y.file);
    labels[i] = v;
  }
  const classes = readClasses(opts.dataDir, labels, y.file);
  const size = T * C;
  return {
    name: `${opts.name ?? 'timeseries'}-${split}`,
    length: N,
    sampleShape: [T, C],
    classes,
    stats: undefined,
    normalized: false,
    label: (i) => labels[i]!,
    read: (i, out, offset) => out.set(x.data.subarray(i * size, (i + 1) * size), offset),
  };
}
