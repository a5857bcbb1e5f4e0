/**
 * The webgpu backend's memory model without a GPU: the real calling-thread side (WebGpuKernels + DeviceLink) with
 * a stand-in device that keeps its own copy of every buffer and runs each op with the reference kernels on those
 * copies. A layer or command that reads a GPU-resident buffer without toHost, or writes one without fromHost, sees
 * or leaves stale values here exactly as on a GPU, so the layer, network and training suites catch it
 * (SPIKEREP_TEST_BACKEND=split). Deterministic and fast: no device thread, no WGSL.
 */
import type { Buf } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { WebGpuKernels } from '../../src/kernels/webgpu/index.js';
import { DeviceLink } from '../../src/kernels/webgpu/link.js';
import {
  CONTROL_WORDS,
  ERROR_BYTES,
  type Flush,
  RESULT_FLOATS,
  RESULT_LENGTH,
  type Ref,
  SEQ,
} from '../../src/kernels/webgpu/protocol.js';

type Attrs = Record<string, unknown> & { labels?: Int32Array };

/** Runs one op with the reference kernels; returns its result (a number) where the method returns one. */
function runOp(op: string, b: (Buf | null)[], a: Attrs): number | undefined {
  const r = ref as unknown as Record<string, (...args: unknown[]) => unknown>;
  switch (op) {
    case 'neuronForward': {
      const [input, spikes, membrane, record, rateOut, current] = b;
      const attrs = { ...a } as Record<string, unknown>;
      delete attrs.rateWeights;
      if (membrane !== null) attrs.membrane = membrane;
      if (record !== null) attrs.record = record;
      if (rateOut !== null) attrs.rate = { out: rateOut, weights: a.rateWeights };
      if (a.synapse !== undefined) {
        attrs.synapse = { ...(a.synapse as object), ...(current === null ? {} : { current }) };
      }
      ref.neuronForward(input!, spikes!, attrs as never);
      return undefined;
    }
    case 'neuronBackward': {
      const [gradOut, gradIn, inputRep, membrane] = b;
      const attrs = a.mode === 'representation' ? { ...a, inputRep } : { ...a, membrane };
      return ref.neuronBackward(gradOut!, gradIn!, attrs as never);
    }
    case 'elementwise': {
      const inputs = b.slice(0, -1) as Buf[];
      ref.elementwise(inputs, b[b.length - 1]!, a as never);
      return undefined;
    }
    case 'reduce':
      return ref.reduce(b[0]!, a as never);
    case 'packSpikes':
    case 'unpackSpikes':
      r[op]!(b[0], b[1], a);
      return undefined;
    case 'softmaxCrossEntropy': {
      const rows = a.rows as number;
      return ref.softmaxCrossEntropy(b[0]!, a.labels!, b[1]!, a as never) * rows;
    }
    default:
      return r[op]!(...b, a) as number | undefined;
  }
}

export function splitMemoryKernels(hostMax = 64): WebGpuKernels {
  const shared = {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    result: new SharedArrayBuffer(RESULT_FLOATS * 4),
    error: new SharedArrayBuffer(ERROR_BYTES),
    download: new SharedArrayBuffer(1 << 20),
  };
  const control = new Int32Array(shared.control);
  const device = new Map<number, Float32Array>();
  let download = new Float32Array(shared.download);
  const view = (r: Ref | null): Float32Array | null =>
    r === null ? null : device.get(r.id)!.subarray(r.offset, r.offset + r.n);
  const port = {
    post(flush: Flush): void {
      if (flush.downloadBlock !== undefined) download = new Float32Array(flush.downloadBlock);
      let result: number | undefined;
      for (const c of flush.cmds) {
        switch (c.t) {
          case 'alloc':
            device.set(c.id, new Float32Array(c.n));
            break;
          case 'free':
            device.delete(c.id);
            break;
          case 'upload':
            view(c.ref)!.set(flush.uploads.subarray(c.at, c.at + c.ref.n));
            break;
          case 'download':
            download.set(view(c.ref)!, c.at);
            break;
          case 'op':
            result = runOp(c.op, c.refs.map(view), c.attrs as Attrs) ?? result;
            break;
        }
      }
      if (flush.seq !== undefined) {
        new Float32Array(shared.result)[0] = result ?? 0;
        Atomics.store(control, RESULT_LENGTH, result === undefined ? 0 : 1);
        Atomics.store(control, SEQ, flush.seq);
      }
    },
  };
  const adapter = { vendor: 'none', architecture: 'split-memory', device: '', description: '', fallback: true };
  return new WebGpuKernels(
    new DeviceLink(port, shared, hostMax),
    { post: port.post, ready: Promise.resolve({ ok: false, reason: '' }), close: () => {} },
    adapter,
  );
}
