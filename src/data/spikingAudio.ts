/**
 * The Spiking Heidelberg Digits (SHD) and Spiking Speech Commands (SSC) of Cramer et al. 2020: spoken words turned
 * into spikes of 700 cochlea channels. Each split is one HDF5 file, `<dataDir>/<shd|ssc>_<split>.h5`, holding
 * spikes/times (per sample a variable-length array of seconds), spikes/units (the channel of each spike), labels,
 * and extra/keys (the class names). A sample is binned into T frames of spike counts over its first `window`
 * seconds, [T, 700] (spikeBins.ts); raw counts, never normalised. The whole file is read when the set is opened
 * (compactly: float32 times, 16-bit units), after its size is checked against the memory budget.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { check, SpikerepError } from '../errors.js';
import { readHdf5 } from '../export/hdf5-diagnostics.js';
import { checkDeclaredSize } from '../memory-budget.js';
import { defaultCacheDir } from './cacheDir.js';
import type { Dataset } from './dataset.js';
import { readVlenRows } from './hdf5-vlen.js';
import type { Split } from './mnistFormat.js';
import { binSpikes } from './spikeBins.js';

export type SpikingAudioKind = 'shd' | 'ssc';

export const SPIKING_AUDIO: Readonly<Record<SpikingAudioKind, { classes: number; window: number; title: string }>> = {
  // SHD utterances last up to about 1.4 s, SSC's one-second commands up to 1 s
  shd: { classes: 20, window: 1.4, title: 'SHD' },
  ssc: { classes: 35, window: 1, title: 'SSC' },
};

export const SPIKING_AUDIO_CHANNELS = 700;

export interface SpikingAudioOptions {
  /** The folder holding <kind>_train.h5 and <kind>_test.h5 (default: <cache>/<kind>). */
  dataDir?: string;
  /** Frames per sample. */
  T: number;
  /** Seconds of each sample that are binned (default 1.4 for SHD, 1 for SSC). */
  window?: number;
}

export function spikingAudioFile(kind: SpikingAudioKind, split: Split): string {
  return `${kind}_${split}.h5`;
}

interface Contents {
  times: ArrayLike<number>[];
  units: ArrayLike<number>[];
  labels: Int32Array;
  keys: string[] | undefined;
}

function readContents(module: unknown, path: string): Contents {
  const f = new h5wasm.File(path, 'r');
  try {
    const get = (name: string) => {
      const ds = f.get(name);
      if (!(ds instanceof h5wasm.Dataset))
        throw new SpikerepError('E_FORMAT', `no '${name}' dataset: not a Heidelberg spiking-data file`, path);
      return ds;
    };
    const times = readVlenRows(module, get('spikes/times'), 'spikes/times', path);
    const units = readVlenRows(module, get('spikes/units'), 'spikes/units', path);
    const raw = get('labels').value;
    if (!ArrayBuffer.isView(raw)) throw new SpikerepError('E_FORMAT', "'labels' is not a numeric array", path);
    const labels = Int32Array.from(raw as unknown as ArrayLike<number | bigint>, (v) => Number(v));
    const keysDs = f.get('extra/keys');
    const keyValue = keysDs instanceof h5wasm.Dataset ? keysDs.value : undefined;
    const keys = Array.isArray(keyValue) && keyValue.every((k) => typeof k === 'string') ? keyValue : undefined;
    return { times, units, labels, keys };
  } finally {
    f.close();
  }
}

/** Opens one split; throws one line naming the file when it is missing or not in the layout above. */
export async function loadSpikingAudio(
  kind: SpikingAudioKind,
  split: Split,
  opts: SpikingAudioOptions,
): Promise<Dataset> {
  check(Number.isInteger(opts.T) && opts.T > 0, `T must be a positive integer, got ${opts.T}`, '--T');
  const spec = SPIKING_AUDIO[kind];
  const window = opts.window ?? spec.window;
  check(Number.isFinite(window) && window > 0, `the binning window must be > 0 seconds, got ${window}`);
  const dir = opts.dataDir ?? join(defaultCacheDir(), kind);
  const path = join(dir, spikingAudioFile(kind, split));
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new SpikerepError(
      'E_NOT_FOUND',
      `${spec.title} file not found: pass --data-dir with ${spikingAudioFile(kind, split)} in it, or --download`,
      path,
    );
  }
  // float16 times and 16-bit units on disk become float32 times and 16-bit units in memory: at most 1.5× the file
  checkDeclaredSize(Math.ceil(size * 1.5), `the ${spec.title} spikes`, path);
  const module = await h5wasm.ready;
  const c = readHdf5(module, path, () => readContents(module, path));
  const n = c.labels.length;
  if (c.times.length !== n || c.units.length !== n)
    throw new SpikerepError(
      'E_SHAPE',
      `${n} labels but ${c.times.length} spike-time and ${c.units.length} spike-unit rows`,
      path,
    );
  for (let i = 0; i < n; i++) {
    const label = c.labels[i]!;
    if (!(label >= 0 && label < spec.classes))
      throw new SpikerepError('E_LABEL', `label ${label} of sample ${i} outside [0, ${spec.classes})`, path);
    if (c.times[i]!.length !== c.units[i]!.length)
      throw new SpikerepError(
        'E_SHAPE',
        `sample ${i} has ${c.times[i]!.length} spike times but ${c.units[i]!.length} units`,
        path,
      );
  }
  const classes =
    c.keys !== undefined && c.keys.length === spec.classes
      ? c.keys
      : Array.from({ length: spec.classes }, (_, k) => `class ${k}`);
  const T = opts.T;
  return {
    name: `${kind}-${split}`,
    length: n,
    sampleShape: [T, SPIKING_AUDIO_CHANNELS],
    classes,
    stats: undefined,
    normalized: false,
    label: (i) => c.labels[i]!,
    read: (i, out, offset) =>
      binSpikes(
        c.times[i]!,
        c.units[i]!,
        T,
        window,
        SPIKING_AUDIO_CHANNELS,
        out.subarray(offset, offset + T * SPIKING_AUDIO_CHANNELS),
      ),
  };
}
