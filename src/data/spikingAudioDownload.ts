/**
 * Fetching SHD/SSC into the cache: `<cache>/<kind>/<kind>_<split>.h5`. The authors publish the files gzipped next to
 * an `md5sums.txt` list, and have republished them with new digests over the years, so the digest of each archive is
 * read from that list at download time rather than pinned here; the archive is then downloaded (resumable, checked
 * against that digest: download.ts) and inflated into place atomically. Source: `mirror` / SPIKEREP_MIRROR (a base
 * URL serving the same names) or the authors' site.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SpikerepError } from '../errors.js';
import { defaultCacheDir } from './cacheDir.js';
import { type DownloadOptions, download } from './download.js';
import type { Split } from './mnistFormat.js';
import { type SpikingAudioKind, spikingAudioFile } from './spikingAudio.js';

export const SPIKING_AUDIO_BASE_URL = 'https://zenkelab.org/datasets';

function baseUrl(opts: DownloadOptions): string {
  const mirror = opts.mirror ?? process.env['SPIKEREP_MIRROR'];
  return (mirror !== undefined && mirror !== '' ? mirror : SPIKING_AUDIO_BASE_URL).replace(/\/+$/, '');
}

/** `<md5>  <name>` lines → name → md5. */
export function parseMd5List(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{32})\s+\*?(\S+)\s*$/i.exec(line.trim());
    if (m !== null) out.set(m[2]!, m[1]!.toLowerCase());
  }
  return out;
}

async function fetchMd5List(url: string): Promise<Map<string, string>> {
  let text: string;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new SpikerepError('E_DOWNLOAD', `HTTP ${res.status} for the checksum list`, url);
    text = await res.text();
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    throw new SpikerepError('E_DOWNLOAD', `cannot fetch the checksum list (${(e as Error).message})`, url);
  }
  return parseMd5List(text);
}

/** The folder holding `<kind>_<split>.h5` for every split asked for, downloading what is missing. */
export async function ensureSpikingAudio(
  kind: SpikingAudioKind,
  splits: readonly Split[],
  opts: DownloadOptions = {},
): Promise<string> {
  const dir = join(opts.cacheDir ?? defaultCacheDir(), kind);
  const missing = splits.filter((s) => !existsSync(join(dir, spikingAudioFile(kind, s))));
  if (missing.length === 0) return dir;
  const base = baseUrl(opts);
  const sums = await fetchMd5List(`${base}/md5sums.txt`);
  mkdirSync(dir, { recursive: true });
  for (const split of missing) {
    const name = `${spikingAudioFile(kind, split)}.gz`;
    const md5 = sums.get(name);
    if (md5 === undefined)
      throw new SpikerepError('E_DOWNLOAD', `the checksum list has no entry for ${name}`, `${base}/md5sums.txt`);
    const archive = await download({ url: `${base}/${name}`, md5 }, { ...opts, url: undefined, cacheDir: dir });
    const target = join(dir, spikingAudioFile(kind, split));
    const tmp = `${target}.inflating`;
    try {
      await pipeline(createReadStream(archive), createGunzip(), createWriteStream(tmp));
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new SpikerepError('E_FORMAT', `cannot inflate the archive (${(e as Error).message})`, archive);
    }
    rmSync(archive, { force: true }); // the verified .h5 is what is kept
  }
  return dir;
}
