/**
 * Fetching CIFAR10-DVS (figshare "CIFAR10-DVS New", one zip per class) into <cache>/cifar10-dvs/<class>/.
 * URLs and MD5 digests as listed by SpikingJelly's CIFAR10DVS loader (the figshare files publish MD5 only).
 * Each class is unpacked flat: every cifar10_<class>_<i>.aedat entry, wherever it sits in the zip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir } from './cacheDir.js';
import { CIFAR10_CLASSES } from './cifar.js';
import { type DownloadOptions, download, type Remote } from './download.js';
import { extractZipFlat } from './extract.js';

const FIGSHARE: Readonly<Record<string, [number, string]>> = {
  airplane: [7712788, '0afd5c4bf9ae06af762a77b180354fdd'],
  automobile: [7712791, '8438dfeba3bc970c94962d995b1b9bdd'],
  bird: [7712794, 'a9c207c91c55b9dc2002dc21c684d785'],
  cat: [7712812, '52c63c677c2b15fa5146a8daf4d56687'],
  deer: [7712815, 'b6bf21f6c04d21ba4e23fc3e36c8a4a3'],
  dog: [7712818, 'f379ebdf6703d16e0a690782e62639c3'],
  frog: [7712842, 'cad6ed91214b1c7388a5f6ee56d08803'],
  horse: [7712851, 'e7cbbf77bec584ffbf913f00e682782a'],
  ship: [7712836, '41c7bd7d6b251be82557c6cce9a7d5c9'],
  truck: [7712839, '89f3922fd147d9aeff89e76a2b0b70a7'],
};

export const DVS_CIFAR10_REMOTES: readonly Remote[] = CIFAR10_CLASSES.map((cls) => ({
  url: `https://ndownloader.figshare.com/files/${FIGSHARE[cls]![0]}`,
  fileName: `${cls}.zip`,
  md5: FIGSHARE[cls]![1],
}));

/** The event folder in the cache, downloading and unpacking any class that is not there yet. */
export async function ensureDvsCifar10(opts: DownloadOptions = {}): Promise<string> {
  const cache = opts.cacheDir ?? defaultCacheDir();
  const root = join(cache, 'cifar10-dvs');
  for (let c = 0; c < CIFAR10_CLASSES.length; c++) {
    const cls = CIFAR10_CLASSES[c]!;
    if (existsSync(join(root, cls, `cifar10_${cls}_999.aedat`))) continue;
    const zip = await download(DVS_CIFAR10_REMOTES[c]!, { ...opts, cacheDir: cache });
    const pattern = new RegExp(`^cifar10_${cls}_\\d+\\.aedat$`);
    await extractZipFlat(zip, root, cls, (name) => pattern.test(name));
  }
  return root;
}
