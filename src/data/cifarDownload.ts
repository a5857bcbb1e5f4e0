/**
 * Fetching the CIFAR binary archives into the cache. The digests are the MD5 values the dataset's authors publish
 * on https://www.cs.toronto.edu/~kriz/cifar.html (no SHA-256 is published for these archives).
 */
import { join } from 'node:path';
import { defaultCacheDir } from './cacheDir.js';
import { CIFAR_LAYOUT, type CifarKind } from './cifar.js';
import { type DownloadOptions, download, type Remote } from './download.js';
import { extractTarGz } from './extract.js';
import { isDirectory } from './files.js';

export const CIFAR_REMOTES: Readonly<Record<CifarKind, Remote>> = {
  cifar10: {
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    size: 170052171,
  },
  cifar100: {
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
    size: 168513733,
  },
};

/** The extracted batch folder in the cache, downloading and unpacking the archive first if needed. */
export async function ensureCifar(kind: CifarKind, opts: DownloadOptions = {}): Promise<string> {
  const dir = opts.cacheDir ?? defaultCacheDir();
  const top = CIFAR_LAYOUT[kind].folder;
  if (isDirectory(join(dir, top))) return join(dir, top);
  const archive = await download(CIFAR_REMOTES[kind], { ...opts, cacheDir: dir });
  return extractTarGz(archive, dir, top);
}
