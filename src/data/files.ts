/**
 * File access for the loaders: every failure becomes one SpikerepError line naming the file. Gzip is detected from
 * the content (1f 8b), not the name, so a data folder may hold either form of the same file. Nothing is read or
 * inflated past the memory budget (src/memory-budget.ts): a file's size is checked before it is read, and a gzip
 * stream is inflated with an output limit.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { SpikerepError } from '../errors.js';
import { checkDeclaredSize, formatBytes, memoryBudget } from '../memory-budget.js';

export function readBytes(path: string, what: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SpikerepError('E_NOT_FOUND', `expected ${what} to be a file`, path);
    checkDeclaredSize(st.size, what, path);
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

/**
 * The bytes, decompressed when they are gzip, never past `limit` bytes of output (default: the memory budget).
 * `tooMuch` says what a longer stream means (the default: it is too large for the budget).
 */
export function gunzipIfNeeded(
  bytes: Uint8Array,
  path: string,
  limit = memoryBudget(),
  tooMuch = `too large: the gzip stream inflates to more than the ${formatBytes(limit)} memory budget`,
): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new SpikerepError('E_TOO_LARGE', tooMuch, path);
    const truncated = /unexpected end/i.test(err.message);
    throw new SpikerepError(
      truncated ? 'E_TRUNCATED' : 'E_FORMAT',
      truncated ? 'gzip stream is truncated' : `corrupt gzip stream (${err.message})`,
      path,
    );
  }
}

/**
 * Up to the first `n` bytes a gzip stream inflates to, without inflating the rest (for reading a header before
 * deciding how much to inflate). Fewer when the stream is shorter or damaged early on.
 */
export function gunzipPrefix(bytes: Uint8Array, n: number): Uint8Array {
  // deflate inflates at most ~1032× its input, so doubling the input from 64 bytes keeps each try small
  for (let len = Math.min(bytes.length, 64); ; len = Math.min(bytes.length, len * 2)) {
    let out: Uint8Array;
    try {
      out = gunzipSync(bytes.subarray(0, len), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 26 });
    } catch {
      out = new Uint8Array(0);
    }
    if (out.length >= n || len === bytes.length) return out.subarray(0, n);
  }
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
