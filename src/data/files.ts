/**
 * File access for the loaders: every failure becomes one SpikerepError line naming the file. Gzip is detected from
 * the content (1f 8b), not the name, so a data folder may hold either form of the same file.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SpikerepError } from '../errors.js';

export function readBytes(path: string, what: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SpikerepError('E_NOT_FOUND', `expected ${what} to be a file`, path);
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpikerepError('E_NOT_FOUND', `${what} not found`, path);
    throw new SpikerepError('E_IO', `cannot read ${what} (${code ?? String(e)})`, path);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes, decompressed when they are gzip. */
export function gunzipIfNeeded(bytes: Uint8Array, path: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (e) {
    const msg = (e as Error).message;
    const truncated = /unexpected end/i.test(msg);
    throw new SpikerepError(
      truncated ? 'E_TRUNCATED' : 'E_FORMAT',
      truncated ? 'gzip stream is truncated' : `corrupt gzip stream (${msg})`,
      path,
    );
  }
}

/** Reads a file and gunzips it if needed. */
export function readMaybeGzip(path: string, what: string): Uint8Array {
  return gunzipIfNeeded(readBytes(path, what), path);
}

/** The first of `names` that exists in `dir` (so `x` and `x.gz` are both accepted), or undefined. */
export function findFile(dir: string, names: readonly string[]): string | undefined {
  for (const n of names) {
    const p = `${dir}/${n}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
