/**
 * Reading a NIR file with a time bound. The HDF5 library can loop without end on a damaged file (seen on a
 * byte-mutated variable-length string dataset), and a WebAssembly loop cannot be interrupted from its own
 * thread. So the read runs on a worker thread while the caller blocks on a shared flag with a timeout: a read
 * that does not finish in time is abandoned (the thread is terminated, the next read starts a fresh one) and
 * refused with one line. The caller stays synchronous, as h5wasm's own reads are; the thread is reused.
 */
import { statSync } from 'node:fs';
import { MessageChannel, type MessagePort, receiveMessageOnPort, SHARE_ENV, Worker } from 'node:worker_threads';
import { SpikerepError } from '../errors.js';
import type { NirGraph } from './nir-graph.js';
import type { ReaderInit, ReadReply } from './nir-read-protocol.js';

/** A fresh thread loads h5wasm (and from the TypeScript sources, the compiler): slow on a loaded machine. */
const START_MS = 120_000;
/** The flag's value when the thread could not load its code. */
const FAILED = 2;

/** Reads of healthy files take milliseconds; the bound grows with the file so large networks never meet it. */
export function readTimeoutMs(bytes: number): number {
  return 15_000 + bytes / 2000; // 15 s plus 0.5 s per MB
}

export interface BoundedNirReader {
  /** Reads `path` or throws one SpikerepError line; `timeoutMs` defaults to readTimeoutMs(file size). */
  read(path: string, timeoutMs?: number): NirGraph;
  /** How many reads were abandoned at the time bound. */
  readonly timeouts: number;
  close(): void;
}

interface Thread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

export function boundedNirReader(opts: { stderrTo?: string } = {}): BoundedNirReader {
  let thread: Thread | undefined;
  let timeouts = 0;
  const start = (): Thread => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const init: ReaderInit = { flag, port: port2, ...(opts.stderrTo !== undefined ? { stderrTo: opts.stderrTo } : {}) };
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(`./nir-read-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
    // From the TypeScript sources the entry loads through tsx's API (a worker does not inherit the parent's
    // loader). A failure to load is reported on the port with the flag at FAILED: the caller is blocked waiting
    // and cannot see the worker's 'error' event.
    const load = fromSource
      ? `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`
      : `import(${JSON.stringify(entry.href)})`;
    const source = `${load}.catch((e) => {
      const { workerData } = require('node:worker_threads');
      workerData.port.postMessage({ ok: false, bug: String(e && e.stack || e) });
      Atomics.store(workerData.flag, 0, ${FAILED});
      Atomics.notify(workerData.flag, 0);
    });`;
    // the memory budget (an environment variable) must be the caller's at the time of each read; no flags of the
    // parent's (its --import hooks are for its own thread)
    const worker = new Worker(source, {
      eval: true,
      workerData: init,
      transferList: [port2],
      env: SHARE_ENV,
      execArgv: [],
    });
    worker.on('error', () => {}); // reported through the flag, or a thread being terminated
    worker.unref();
    port1.unref();
    if (!waitForFlag(flag, START_MS)) {
      void worker.terminate();
      throw new SpikerepError('E_IO', `the NIR reading thread did not start within ${START_MS / 1000} s`);
    }
    if (Atomics.load(flag, 0) === FAILED) {
      void worker.terminate();
      const reply = receiveMessageOnPort(port1)?.message as { bug?: string } | undefined;
      throw new Error(`the NIR reading thread failed to start: ${reply?.bug ?? 'no reason given'}`);
    }
    return { worker, port: port1, flag };
  };
  return {
    read(path, timeoutMs) {
      thread ??= start();
      const t = thread;
      let bound = timeoutMs;
      if (bound === undefined) {
        let bytes = 0;
        try {
          bytes = statSync(path).size;
        } catch {
          // the thread reports a missing or unreadable file with its own line
        }
        bound = readTimeoutMs(bytes);
      }
      Atomics.store(t.flag, 0, 0);
      t.port.postMessage({ path });
      if (!waitForFlag(t.flag, bound)) {
        timeouts++;
        void t.worker.terminate();
        t.port.close();
        thread = undefined;
        throw new SpikerepError(
          'E_FORMAT',
          `damaged HDF5 file: the HDF5 library did not finish reading it within ${(bound / 1000).toFixed(0)} s`,
          path,
        );
      }
      const reply = receiveMessageOnPort(t.port)?.message as ReadReply | undefined;
      if (reply === undefined) throw new Error('the NIR reading thread answered nothing');
      if (reply.ok) return reply.graph;
      if ('bug' in reply) throw new Error(`reading the NIR file failed in its thread: ${reply.bug}`);
      throw new SpikerepError(reply.code, reply.message, reply.path);
    },
    get timeouts() {
      return timeouts;
    },
    close() {
      if (thread !== undefined) void thread.worker.terminate();
      thread = undefined;
    },
  };
}

/**
 * Waits until the thread raises the flag, at most `ms`. A wake-up alone proves nothing: the thread's notify for
 * the previous read can arrive after that read's flag was already seen raised and cleared again.
 */
function waitForFlag(flag: Int32Array, ms: number): boolean {
  const end = performance.now() + ms;
  while (Atomics.load(flag, 0) === 0) {
    const left = end - performance.now();
    if (left <= 0 || Atomics.wait(flag, 0, 0, left) === 'timed-out') return Atomics.load(flag, 0) !== 0;
  }
  return true;
}
