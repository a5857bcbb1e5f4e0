/** The dataset names the CLI and recipes use, apart from the loaders so that naming one loads none. */
export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'cifar10',
  'cifar100',
  'dvs-cifar10',
  'n-mnist',
  'dvs-gesture',
  'shd',
  'ssc',
  'timeseries',
  'spoken-digits',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
