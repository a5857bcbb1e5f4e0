/**
 * The thread that reads NIR files for nir-read-bounded.ts. It answers each request on its port, then raises the
 * shared flag the requesting thread is waiting on. Errors cross the thread boundary as plain data: a SpikerepError
 * keeps its code and path, anything else becomes its message (the caller treats it as a bug, not a refusal).
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { type MessagePort, workerData } from 'node:worker_threads';
import h5wasm from 'h5wasm/node';
import { SpikerepError } from '../errors.js';
import { readNirWith } from './nir-h5.js';
import type { ReaderInit, ReadReply, ReadRequest } from './nir-read-protocol.js';

const init = workerData as ReaderInit;
const port: MessagePort = init.port;
const module = await h5wasm.ready;

// a test campaign checks that no diagnostics escape readNirWith's own capture: outside it, the library's stderr
// and the thread's stderr go to the campaign's file
if (init.stderrTo !== undefined) {
  const fd = openSync(init.stderrTo, 'a');
  const stream = (module as unknown as { FS: { getStream(fd: number): { nfd: number } } }).FS.getStream(2);
  stream.nfd = fd;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return true;
  }) as typeof process.stderr.write;
  process.once('exit', () => (fstatSync(fd).isFile() ? closeSync(fd) : undefined));
}

port.on('message', ({ path }: ReadRequest) => {
  let reply: ReadReply;
  try {
    reply = { ok: true, graph: readNirWith(module, path) };
  } catch (e) {
    reply =
      e instanceof SpikerepError
        ? { ok: false, code: e.code, message: withoutPath(e), path: e.path }
        : { ok: false, bug: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(init.flag, 0, 1);
  Atomics.notify(init.flag, 0);
});
Atomics.store(init.flag, 0, 1); // ready
Atomics.notify(init.flag, 0);

/** The message as it was given, before SpikerepError put the path in front (the caller puts it back). */
function withoutPath(e: SpikerepError): string {
  const prefix = `${e.path}: `;
  return e.path !== undefined && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}
