/**
 * Unpacking verified archives into the cache, all or nothing.
 *  - .tar.gz (CIFAR): extracted into a temporary sibling folder; only the expected top folder is moved into place.
 *    node-tar refuses absolute paths and '..' entries; strict mode turns damage (truncation, corruption) into errors.
 *  - .zip (CIFAR10-DVS, one archive per class): only entries whose base name passes a filter are written, under that
 *    base name, into a temporary folder that is renamed into place at the end (yauzl checks names and sizes).
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as untar } from 'tar';
import { openPromise as openZip } from 'yauzl';
import { SpikerepError } from '../errors.js';

/** Extracts `archive` into `dir` and returns dir/top, which the archive must contain. Skips work if it exists. */
export async function extractTarGz(archive: string, dir: string, top: string): Promise<string> {
  const target = join(dir, top);
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.extract-'));
  try {
    await untar({ file: archive, cwd: tmp, strict: true, gzip: true });
    if (!existsSync(join(tmp, top))) {
      throw new SpikerepError('E_FORMAT', `archive has no top folder ${top}/`, archive);
    }
    renameSync(join(tmp, top), target);
    return target;
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    throw new SpikerepError('E_FORMAT', `cannot extract .tar.gz (${(e as Error).message})`, archive);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Writes the zip's files whose base name passes `keep` into dir/top (flat); returns how many. */
export async function extractZipFlat(
  archive: string,
  dir: string,
  top: string,
  keep: (name: string) => boolean,
): Promise<number> {
  const target = join(dir, top);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.extract-'));
  let count = 0;
  try {
    const zip = await openZip(archive, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true });
    try {
      const out = join(tmp, top);
      mkdirSync(out);
      for await (const entry of zip.eachEntry()) {
        const name = basename(entry.fileName.replace(/\\/g, '/'));
        if (entry.fileName.endsWith('/') || !keep(name)) continue;
        await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(join(out, name)));
        count++;
      }
    } finally {
      zip.close();
    }
    if (count === 0) throw new SpikerepError('E_FORMAT', 'zip archive holds no expected files', archive);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(tmp, top), target);
    return count;
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    throw new SpikerepError('E_FORMAT', `cannot extract .zip (${(e as Error).message})`, archive);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
