/** The data layer's public surface. */

export type { Events } from './aedat.js';
export { DVS_SIZE, framesByCount, parseAedat } from './aedat.js';
export { defaultCacheDir } from './cacheDir.js';
export type { CifarKind } from './cifar.js';
export { CIFAR_LAYOUT, CIFAR_STATS, CIFAR10_CLASSES, CifarDataset, loadCifar, parseCifarBatch } from './cifar.js';
export { CIFAR100_CLASSES } from './cifar100Classes.js';
export { CIFAR_REMOTES, ensureCifar } from './cifarDownload.js';
export * from './dataset.js';
export type { DownloadOptions, Remote } from './download.js';
export { download, hashFile, sourceUrl, verifyFile } from './download.js';
export type { DvsCifar10Options } from './dvsCifar10.js';
export { DvsCifar10 } from './dvsCifar10.js';
export { DVS_CIFAR10_REMOTES, ensureDvsCifar10 } from './dvsDownload.js';
export * from './encoders.js';
export { extractTarGz, extractZipFlat } from './extract.js';
export { FASHION_MNIST_DEBIAN_DIR, FASHION_MNIST_STATS, loadFashionMnist } from './fashionMnist.js';
export type { IdxArray } from './idx.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxImages, readIdxLabels, readIdxPair } from './idx.js';
export { U8ImageDataset } from './imageDataset.js';
export type { ImageLoadOptions } from './mnist.js';
export { loadMnist, MNIST_SHA256, MNIST_STATS, mnistPackageDir } from './mnist.js';
export type { Split } from './mnistFormat.js';
export type { DatasetName, OpenOptions } from './registry.js';
export { DATASET_NAMES, isDatasetName, openDataset } from './registry.js';
export { resizeBilinear } from './resize.js';
export * from './transforms.js';
