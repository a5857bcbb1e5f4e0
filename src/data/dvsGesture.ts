/**
 * DVS128 Gesture (Amir et al. 2017) as extracted from its archive: a folder of recordings `userNN_<lighting>.aedat`
 * (AEDAT 3.1, aedat3.ts), each with `userNN_<lighting>_labels.csv` (dvsGestureLabels.ts) giving the window of every
 * gesture performed in it. One sample is one window: its events, in file order, framed like DVS-CIFAR10's
 * (aedat.ts: T frames of equal event counts), channels-last [T, 128, 128, 2] (channel = polarity: 0 OFF, 1 ON); raw
 * counts, no normalisation. The split is the dataset's: the recordings listed in trials_to_train.txt /
 * trials_to_test.txt when the folder has them, else users 1–23 train and 24–29 test. Recordings are parsed when a
 * sample of theirs is read; the last one parsed is kept, so reading in order parses each file once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, SpikerepError } from '../errors.js';
import { DVS_SIZE, type Events, framesByCount } from './aedat.js';
import { parseAedat3, type TimedEvents } from './aedat3.js';
import { defaultCacheDir } from './cacheDir.js';
import type { Dataset } from './dataset.js';
import { GESTURE_CLASSES, type GestureWindow, parseGestureLabels } from './dvsGestureLabels.js';
import { isDirectory, readBytes } from './files.js';
import type { Split } from './mnistFormat.js';

export interface DvsGestureOptions {
  /** The folder of .aedat recordings and their _labels.csv files (default: <cache>/dvs-gesture). */
  dataDir?: string;
  /** Number of frames (time steps) per sample. */
  T: number;
}

/** Users 1–23 are the dataset's training users, 24–29 its test users. */
const LAST_TRAIN_USER = 23;

export class DvsGesture implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly classes: readonly string[] = GESTURE_CLASSES;
  readonly stats = undefined;
  readonly normalized = false;
  private readonly samples: (GestureWindow & { file: string; row: number })[] = [];
  private readonly T: number;
  private parsed: { file: string; events: TimedEvents } | null = null;

  constructor(split: Split, opts: DvsGestureOptions) {
    check(Number.isInteger(opts.T) && opts.T > 0, `T must be a positive integer, got ${opts.T}`);
    const root = opts.dataDir ?? join(defaultCacheDir(), 'dvs-gesture');
    if (!isDirectory(root))
      throw new SpikerepError(
        'E_NOT_FOUND',
        'DVS Gesture folder not found: expected the userNN_<lighting>.aedat recordings and their _labels.csv files; pass --data-dir',
        root,
      );
    for (const name of recordings(root, split)) {
      const file = join(root, name);
      if (!existsSync(file)) throw new SpikerepError('E_NOT_FOUND', 'DVS Gesture recording missing', file);
      const csv = file.replace(/\.aedat$/i, '_labels.csv');
      let text: string;
      try {
        text = readFileSync(csv, 'latin1');
      } catch {
        throw new SpikerepError('E_NOT_FOUND', 'the recording has no _labels.csv file beside it', csv);
      }
      parseGestureLabels(text, csv).forEach((w, row) => this.samples.push({ ...w, file, row }));
    }
    if (this.samples.length === 0)
      throw new SpikerepError('E_NOT_FOUND', `no DVS Gesture ${split} recordings (userNN_*.aedat) in the folder`, root);
    this.name = `dvs-gesture-${split}`;
    this.length = this.samples.length;
    this.T = opts.T;
    this.sampleShape = [opts.T, DVS_SIZE, DVS_SIZE, 2];
  }

  label(i: number): number {
    return this.samples[i]!.label;
  }

  read(i: number, out: Float32Array, offset: number): void {
    const s = this.samples[i]!;
    if (this.parsed?.file !== s.file)
      this.parsed = { file: s.file, events: parseAedat3(readBytes(s.file, 'DVS Gesture recording'), s.file) };
    const window = eventsIn(this.parsed.events, s.start, s.end);
    if (window.t.length === 0)
      throw new SpikerepError(
        'E_FORMAT',
        `no events in gesture ${s.row + 1}'s window [${s.start}, ${s.end}) µs of its _labels.csv`,
        s.file,
      );
    const n = this.T * DVS_SIZE * DVS_SIZE * 2;
    framesByCount(window, this.T, out.subarray(offset, offset + n));
  }
}

/** The .aedat names of one split: the dataset's trial lists when present, else by user number. */
function recordings(root: string, split: Split): string[] {
  const list = join(root, split === 'train' ? 'trials_to_train.txt' : 'trials_to_test.txt');
  if (existsSync(list))
    return readFileSync(list, 'latin1')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.toLowerCase().endsWith('.aedat'));
  return readdirSync(root)
    .filter((f) => /^user\d+_.*\.aedat$/i.test(f))
    .filter((f) => Number(/^user(\d+)_/i.exec(f)![1]) <= LAST_TRAIN_USER === (split === 'train'))
    .sort();
}

/** The events with start ≤ t < end, in file order; times relative to start. */
function eventsIn(ev: TimedEvents, start: number, end: number): Events {
  const idx: number[] = [];
  for (let i = 0; i < ev.t.length; i++) if (ev.t[i]! >= start && ev.t[i]! < end) idx.push(i);
  const pick = (a: Uint8Array): Uint8Array => Uint8Array.from(idx, (i) => a[i]!);
  return {
    t: Uint32Array.from(idx, (i) => ev.t[i]! - start),
    x: pick(ev.x),
    y: pick(ev.y),
    p: pick(ev.p),
  };
}
