/**
 * Datasets by name, as the CLI and recipes name them. One call opens one split; every loader honours dataDir.
 * CIFAR, CIFAR10-DVS and SHD/SSC files are fetched into the cache only when `download` is set (never silently).
 */
import { check, SpikerepError } from '../errors.js';
import { parseSignalEncoder } from '../signal/encode.js';
import { loadCifar } from './cifar.js';
import { ensureCifar } from './cifarDownload.js';
import type { Dataset } from './dataset.js';
import type { DownloadOptions } from './download.js';
import { DvsCifar10 } from './dvsCifar10.js';
import { ensureDvsCifar10 } from './dvsDownload.js';
import { DvsGesture } from './dvsGesture.js';
import { encodedSignals } from './encodedSignals.js';
import { loadFashionMnist } from './fashionMnist.js';
import { loadMnist } from './mnist.js';
import type { Split } from './mnistFormat.js';
import { DATASET_NAMES, type DatasetName } from './names.js';
import { NMnist } from './nmnist.js';
import { loadSpokenDigits } from './spokenDigits.js';
import { loadTimeSeries } from './timeSeries.js';

export { DATASET_NAMES, type DatasetName };

export interface OpenOptions extends DownloadOptions {
  dataDir?: string;
  /** Normalise image values (default true); ignored for event data. */
  normalize?: boolean;
  /** Frames per sample, for event data and SHD/SSC. */
  T?: number;
  /** Channels per step of a time-series CSV file. */
  channels?: number;
  /** Download the CIFAR / CIFAR10-DVS / SHD / SSC files into the cache when they are not there. */
  download?: boolean;
  /** A signal encoder ("delta:threshold=0.1", src/signal/encode.ts) that turns series samples into spikes. */
  signalEncoder?: string;
}

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

export async function openDataset(name: DatasetName, split: Split, opts: OpenOptions = {}): Promise<Dataset> {
  const ds = await openRaw(name, split, opts);
  if (opts.signalEncoder === undefined) return ds;
  if (ds.sampleShape.length !== 2)
    throw new SpikerepError(
      'E_ARG',
      `encodes series ([time, channels] samples); ${name} has [${ds.sampleShape.join(', ')}] samples`,
      '--signal-encoder',
    );
  return encodedSignals(ds, parseSignalEncoder(opts.signalEncoder));
}

async function openRaw(name: DatasetName, split: Split, opts: OpenOptions): Promise<Dataset> {
  const img = { dataDir: opts.dataDir, normalize: opts.normalize };
  switch (name) {
    case 'mnist':
      return loadMnist(split, img);
    case 'fashion-mnist':
      return loadFashionMnist(split, img);
    case 'cifar10':
    case 'cifar100': {
      const dataDir =
        opts.dataDir === undefined && opts.download === true ? await ensureCifar(name, opts) : opts.dataDir;
      return loadCifar(name, split, { dataDir, normalize: opts.normalize });
    }
    case 'dvs-cifar10': {
      check(opts.T !== undefined, 'dvs-cifar10 needs T (frames per sample)', '--T');
      const dataDir =
        opts.dataDir === undefined && opts.download === true ? await ensureDvsCifar10(opts) : opts.dataDir;
      return new DvsCifar10(split, { dataDir, T: opts.T });
    }
    // no download: neither archive has a stable direct link; --data-dir points at the extracted folder
    case 'n-mnist':
      check(opts.T !== undefined, 'n-mnist needs T (frames per sample)', '--T');
      return new NMnist(split, { dataDir: opts.dataDir, T: opts.T });
    case 'dvs-gesture':
      check(opts.T !== undefined, 'dvs-gesture needs T (frames per sample)', '--T');
      return new DvsGesture(split, { dataDir: opts.dataDir, T: opts.T });
    case 'shd':
    case 'ssc': {
      check(opts.T !== undefined, `${name} needs T (frames per sample)`, '--T');
      // loaded only here: they bring h5wasm, which no other dataset needs
      const { loadSpikingAudio } = await import('./spikingAudio.js');
      const { ensureSpikingAudio } = await import('./spikingAudioDownload.js');
      const dataDir =
        opts.dataDir === undefined && opts.download === true
          ? await ensureSpikingAudio(name, [split], opts)
          : opts.dataDir;
      return loadSpikingAudio(name, split, { dataDir, T: opts.T });
    }
    case 'timeseries':
      check(opts.dataDir !== undefined, 'timeseries needs --data-dir (the folder with your arrays)', '--data-dir');
      return loadTimeSeries(split, { dataDir: opts.dataDir, channels: opts.channels });
    // made here by scripts/spoken-digits.sh (espeak-ng), never downloaded
    case 'spoken-digits':
      return loadSpokenDigits(split, { dataDir: opts.dataDir });
    default:
      return name satisfies never;
  }
}
