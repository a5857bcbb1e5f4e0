/**
 * The HDF5 library (h5wasm) reports a damaged file by printing an "HDF5-DIAG" error stack to stderr, often
 * while carrying on: an unreadable group is skipped, a failed read returns nothing. Both are unacceptable for
 * an importer (the terminal floods, and a damaged file can import as a different model). So every read runs
 * with the library's stderr redirected into a private file: anything written there during the read means the
 * library hit an error, and the read fails with one line made from the stack's outermost and innermost entries.
 * (h5wasm's throwing error handler is not used: an exception thrown from inside HDF5 skips its cleanup.)
 */
import { fstatSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';

/** What spikerep touches of the Emscripten module: fd 2's stream, which NODERAWFS writes to `nfd`. */
interface EmscriptenStreams {
  FS: { getStream(fd: number): { nfd?: number } | undefined | null };
}

let sinkFd: number | undefined;

/** A file that receives the library's stderr, created once per process and removed from the folder at once. */
function sink(): number {
  if (sinkFd === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'spikerep-hdf5-'));
    sinkFd = openSync(join(dir, 'stderr.txt'), 'a+');
    rmSync(dir, { recursive: true, force: true }); // POSIX keeps the open file; elsewhere the folder stays
  }
  return sinkFd;
}

function drain(fd: number): string {
  const size = fstatSync(fd).size;
  if (size === 0) return '';
  const buf = Buffer.alloc(Math.min(size, 1 << 16));
  const n = readSync(fd, buf, 0, buf.length, 0);
  ftruncateSync(fd, 0);
  return buf.toString('utf8', 0, n);
}

/** One line from the first HDF5-DIAG stack: "<innermost reason> (in <outermost call>: <its complaint>)". */
export function summarizeDiagnostics(text: string): string {
  const stack = text.split(/HDF5-DIAG/).find((b) => b.trim() !== '') ?? text;
  const entries = [...stack.matchAll(/#\d+: .*? in (\w+)\(\): ([^\n]*)/g)].map((m) => ({
    fn: m[1]!,
    what: m[2]!.trim(),
  }));
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return stack.trim().split('\n')[0]!.slice(0, 200);
  const cut = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(last.what);
  if (cut !== null) return `the file is truncated (${cut[1]} of ${cut[2]} bytes)`;
  const reason = last.what || last.fn;
  return first === last ? `${reason} (in ${first.fn})` : `${reason} (in ${first.fn}: ${first.what})`;
}

/**
 * Runs `read` (synchronous h5wasm calls on the file `path`) with the library's diagnostics captured. Returns
 * its result when the library stayed silent; otherwise throws one E_FORMAT line. Errors thrown by h5wasm's
 * JavaScript side (e.g. a name it cannot resolve) become one line too; SpikerepErrors pass through.
 */
export function readHdf5<T>(module: unknown, path: string, read: () => T): T {
  const stream = (module as EmscriptenStreams).FS.getStream(2);
  const original = stream?.nfd;
  const fd = original === undefined ? undefined : sink();
  if (stream && fd !== undefined) stream.nfd = fd;
  // the module's own abort() reports through console.error, not through fd 2
  const stderrWrite = process.stderr.write;
  let printed = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  let result: T | undefined;
  let failure: unknown;
  try {
    result = read();
  } catch (e) {
    failure = e;
  } finally {
    process.stderr.write = stderrWrite;
    if (stream && original !== undefined) stream.nfd = original;
  }
  const diag = fd === undefined ? '' : drain(fd);
  if (diag !== '') throw new SpikerepError('E_FORMAT', `damaged HDF5 file: ${summarizeDiagnostics(diag)}`, path);
  if (printed !== '')
    throw new SpikerepError('E_FORMAT', `damaged HDF5 file: ${printed.trim().split('\n')[0]!.slice(0, 200)}`, path);
  // h5wasm's own refusals are plain Errors, a wild read inside the library a RuntimeError; anything else
  // (a TypeError in spikerep's code, say) is a bug and stays one
  if (failure instanceof Error && (failure.constructor === Error || failure.name === 'RuntimeError')) {
    const msg = failure.message.split('\n')[0]!.slice(0, 200);
    throw new SpikerepError('E_FORMAT', `damaged HDF5 file: ${msg}`, path);
  }
  if (failure !== undefined) throw failure;
  return result as T;
}
