/**
 * Downloading dataset archives safely: bytes go to `<name>.part`, a dropped connection resumes with an HTTP Range
 * request (within this call, or on the next call), and the file is renamed to its final name only after its
 * SHA-256 (or, where only that is published, MD5) matches. A file that fails the check is deleted, never used.
 * Sources: `url` (full override) > `mirror` / SPIKEREP_MIRROR (a base URL that serves the same file names) > the
 * remote's own URL. Files go to `cacheDir` (default: defaultCacheDir()).
 */

import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SpikerepError } from '../errors.js';
import { defaultCacheDir } from './cacheDir.js';

export interface Remote {
  url: string;
  /** Name in the cache folder (default: the URL's last path segment). */
  fileName?: string;
  sha256?: string;
  md5?: string;
  /** Expected size in bytes, when known (lets a stale oversized .part be discarded). */
  size?: number;
}

export interface DownloadOptions {
  cacheDir?: string;
  /** Base URL of a mirror serving the same file names; default process.env.SPIKEREP_MIRROR. */
  mirror?: string;
  /** Fetch exactly this URL instead. */
  url?: string;
  /** How many times a dropped connection is resumed within one call (default 3). */
  retries?: number;
  onProgress?: (received: number, total: number | undefined) => void;
}

export function remoteFileName(remote: Remote): string {
  return remote.fileName ?? basename(new URL(remote.url).pathname);
}

export function sourceUrl(remote: Remote, opts: DownloadOptions = {}): string {
  if (opts.url !== undefined) return opts.url;
  const mirror = opts.mirror ?? process.env['SPIKEREP_MIRROR'];
  if (mirror !== undefined && mirror !== '') return `${mirror.replace(/\/+$/, '')}/${remoteFileName(remote)}`;
  return remote.url;
}

/** Hex digest of a file, streamed. */
export async function hashFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const h = createHash(algorithm);
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Throws E_CHECKSUM unless the file matches the remote's digest. */
export async function verifyFile(path: string, remote: Remote): Promise<void> {
  const [algo, want] =
    remote.sha256 !== undefined ? (['sha256', remote.sha256] as const) : (['md5', remote.md5!] as const);
  const got = await hashFile(path, algo);
  if (got !== want.toLowerCase()) {
    throw new SpikerepError('E_CHECKSUM', `${algo.toUpperCase()} is ${got}, expected ${want}`, path);
  }
}

function request(url: string, headers: Record<string, string>, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const getter = u.protocol === 'https:' ? httpsGet : u.protocol === 'http:' ? httpGet : undefined;
    if (getter === undefined) {
      reject(new SpikerepError('E_DOWNLOAD', `unsupported URL protocol ${u.protocol}`, url));
      return;
    }
    const req = getter(u, { headers }, (res) => {
      const s = res.statusCode ?? 0;
      const loc = res.headers.location;
      if (s >= 300 && s < 400 && loc !== undefined) {
        res.resume();
        if (redirects === 0) reject(new SpikerepError('E_DOWNLOAD', 'too many redirects', url));
        else request(new URL(loc, u).toString(), headers, redirects - 1).then(resolve, reject);
        return;
      }
      resolve(res);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no response for 60 s')));
    req.on('error', (e) => reject(new SpikerepError('E_DOWNLOAD', `request failed (${e.message})`, url)));
  });
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** One attempt: fetch from the current .part size onwards. Returns true when the body arrived complete. */
async function attempt(url: string, part: string, remote: Remote, opts: DownloadOptions): Promise<boolean> {
  let offset = sizeOf(part);
  if (remote.size !== undefined && offset > remote.size) {
    truncateSync(part, 0);
    offset = 0;
  }
  const res = await request(url, offset > 0 ? { range: `bytes=${offset}-` } : {});
  const status = res.statusCode ?? 0;
  if (status === 416 && offset > 0) {
    res.resume();
    return true; // nothing left to fetch: the .part already holds the whole file (checked next)
  }
  let append = false;
  if (status === 206) {
    const m = /bytes (\d+)-/.exec(res.headers['content-range'] ?? '');
    append = m !== null && Number(m[1]) === offset;
    if (!append) {
      res.resume();
      truncateSync(part, 0);
      return false;
    }
  } else if (status !== 200) {
    res.resume();
    throw new SpikerepError('E_DOWNLOAD', `HTTP ${status} from ${url}`, remoteFileName(remote));
  }
  const start = append ? offset : 0;
  const len = res.headers['content-length'];
  const total = len !== undefined ? start + Number(len) : remote.size;
  let received = start;
  // Every chunk is handed to the file as it arrives (no backpressure pause): when the connection drops, a paused
  // response would discard what it had buffered, and the file stream flushes what it holds before closing.
  const file = createWriteStream(part, { flags: append ? 'a' : 'w' });
  const fileDone = new Promise<Error | undefined>((r) => {
    file.once('error', r);
    file.once('close', () => r(undefined));
  });
  res.on('data', (chunk: Buffer) => {
    file.write(chunk);
    received += chunk.length;
    opts.onProgress?.(received, total);
  });
  await new Promise<void>((r) => {
    res.once('end', r);
    res.once('error', () => r());
    res.once('close', r);
  });
  file.end();
  const err = await fileDone;
  if (err !== undefined) throw new SpikerepError('E_IO', `cannot write the download (${err.message})`, part);
  if (!res.complete) return false;
  return total === undefined || received >= total;
}

/** Downloads (or finds in the cache) a verified copy of `remote`; returns its path. */
export async function download(remote: Remote, opts: DownloadOptions = {}): Promise<string> {
  const name = remoteFileName(remote);
  if (remote.sha256 === undefined && remote.md5 === undefined) {
    throw new SpikerepError('E_ARG', 'a download needs an expected SHA-256 or MD5', name);
  }
  const dir = opts.cacheDir ?? defaultCacheDir();
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new SpikerepError(
      'E_IO',
      `cannot create the cache folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      dir,
    );
  }
  const dest = join(dir, name);
  if (existsSync(dest)) {
    try {
      await verifyFile(dest, remote);
      return dest;
    } catch (e) {
      if (!(e instanceof SpikerepError)) throw e;
      rmSync(dest, { force: true }); // a bad file in the cache is never used; fetch it again
    }
  }
  const part = `${dest}.part`;
  const url = sourceUrl(remote, opts);
  const tries = 1 + (opts.retries ?? 3);
  let complete = false;
  for (let i = 0; i < tries && !complete; i++) complete = await attempt(url, part, remote, opts);
  if (!complete) {
    throw new SpikerepError(
      'E_DOWNLOAD',
      `connection dropped after ${sizeOf(part)} bytes from ${url}; run again to resume`,
      part,
    );
  }
  try {
    await verifyFile(part, remote);
  } catch (e) {
    rmSync(part, { force: true });
    if (e instanceof SpikerepError) {
      throw new SpikerepError(
        'E_CHECKSUM',
        `${e.message.replace(`${part}: `, '')} for ${url}; the download was deleted`,
        dest,
      );
    }
    throw e;
  }
  renameSync(part, dest);
  return dest;
}
