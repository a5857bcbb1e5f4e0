/**
 * The webgpu backend: the kernel contract in WGSL, for Node (dawn.node, the optional `webgpu` package) and the
 * browser. Kernels are recorded on the calling thread and run by a device thread (link.ts says how memory is
 * kept); a kernel whose buffers are all small runs on the calling thread with the reference code, since a GPU
 * round trip costs more than the work. Numbers the contract returns (a loss, a threshold gradient) and small
 * outputs make the caller wait for the device; everything else stays on the GPU for the whole step.
 */

import { SpikerepError } from '../../errors.js';
import { composedBatchNormBackward } from '../batchnorm-compose.js';
import { elementwiseRow } from '../elementwise-plan.js';
import { type Buf, HOST_VECTOR_MAX, type Kernels } from '../kernels.js';
import { checkLabels } from '../labels.js';
import { composedNeuronForward } from '../neuron-compose.js';
import { reference } from '../reference/index.js';
import { checkTranspose } from '../transpose-shape.js';
import { DeviceLink } from './link.js';
import { type DeviceHandle, startDevice } from './platform.js';
import { CONTROL_WORDS, ERROR_BYTES, RESULT_FLOATS } from './protocol.js';

export interface WebGpuOptions {
  /** Buffers of at most this many floats are mirrored on the host (default 16384, see link.ts). */
  hostMax?: number;
  /** dawn.node `create()` flags, e.g. ['backend=vulkan', 'adapter=H100'] (Node only). */
  flags?: string[];
  /** Refuse a software adapter (e.g. Mesa's lavapipe), as `--backend auto` does. */
  hardwareOnly?: boolean;
}

export const DEFAULT_HOST_MAX = HOST_VECTOR_MAX;

export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software adapter (lavapipe, SwiftShader): correct, not fast. */
  readonly fallback: boolean;
}

export async function createWebGpuKernels(opts: WebGpuOptions = {}): Promise<WebGpuKernels> {
  const hostMax = opts.hostMax ?? DEFAULT_HOST_MAX;
  if (!Number.isInteger(hostMax) || hostMax < 0) {
    throw new SpikerepError('E_BACKEND', `hostMax must be an integer ≥ 0, got ${hostMax}`);
  }
  const shared = {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    result: new SharedArrayBuffer(RESULT_FLOATS * 4),
    error: new SharedArrayBuffer(ERROR_BYTES),
    download: new SharedArrayBuffer(1 << 20),
  };
  const device = startDevice({ shared, flags: opts.flags ?? [], powerPreference: 'high-performance' });
  const ready = await device.ready;
  if (!ready.ok) {
    device.close();
    throw new SpikerepError('E_BACKEND', `webgpu: ${ready.reason}`);
  }
  const adapter = { ...ready.adapter, fallback: ready.fallback };
  if (opts.hardwareOnly === true && adapter.fallback) {
    device.close();
    throw new SpikerepError('E_BACKEND', `webgpu: only a software adapter (${adapter.description || adapter.device})`);
  }
  return new WebGpuKernels(new DeviceLink(device, shared, hostMax), device, adapter);
}

/** Why this process cannot have the webgpu backend, or null when it can (opens a device and closes it again). */
export function webgpuUnavailable(): Promise<string | null> {
  return createWebGpuKernels().then(
    (k) => {
      k.close();
      return null;
    },
    (e: Error) => e.message,
  );
}

export class WebGpuKernels implements Kernels {
  readonly name = 'webgpu' as const;
  readonly threads = 1;
  private closed = false;
  constructor(
    /** The command queue and memory bookkeeping (tests read its counters). */
    readonly link: DeviceLink,
    private readonly device: DeviceHandle,
    readonly adapter: AdapterInfo,
  ) {}

  /** Stops the device thread; the kernels cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // let the device thread finish what it was given first: a worker terminated inside a Dawn call aborts the
    // process (a fatal N-API error), an idle one stops cleanly
    try {
      this.link.wait([]);
    } catch {
      // a device that already failed has nothing left to finish
    }
    this.device.close();
  }

  private host(...bufs: (Buf | null | undefined)[]): boolean {
    return this.link.allMirrored(bufs);
  }

  alloc(n: number): Buf {
    return this.link.alloc(n);
  }
  free(buf: Buf): void {
    this.link.free(buf);
  }
  toHost(buf: Buf): Buf {
    return this.link.toHost(buf);
  }
  fromHost(buf: Buf): void {
    this.link.fromHost(buf);
  }
  /** Waits until every kernel queued so far has run (for timing). */
  finish(): void {
    this.link.wait([]);
  }

  gemm: Kernels['gemm'] = (a, b, c, at) => {
    if (this.host(a, b, c)) return reference.gemm(a, b, c, at);
    this.link.op('gemm', [a, b, c], [2], at.accumulate === true ? [2] : [], at);
  };
  conv2dForward: Kernels['conv2dForward'] = (x, w, bias, y, g) => {
    if (this.host(x, w, bias, y)) return reference.conv2dForward(x, w, bias, y, g);
    this.link.op('conv2dForward', [x, w, bias, y], [3], [], g);
  };
  conv2dBackwardInput: Kernels['conv2dBackwardInput'] = (dy, w, dx, g) => {
    if (this.host(dy, w, dx)) return reference.conv2dBackwardInput(dy, w, dx, g);
    this.link.op('conv2dBackwardInput', [dy, w, dx], [2], [], g);
  };
  conv2dBackwardFilter: Kernels['conv2dBackwardFilter'] = (x, dy, dw, dbias, at) => {
    if (this.host(x, dy, dw, dbias)) return reference.conv2dBackwardFilter(x, dy, dw, dbias, at);
    const acc = at.accumulate === true ? [2, 3] : [];
    this.link.op('conv2dBackwardFilter', [x, dy, dw, dbias], [2, 3], acc, at);
  };
  /** The GPU's dense filter gradient is a tiled GEMM that skipping zeros would not speed up (as for the forward). */
  conv2dSparseBackwardFilter: Kernels['conv2dSparseBackwardFilter'] = (x, dy, dw, at) =>
    this.conv2dBackwardFilter(x, dy, dw, null, at);
  conv2dSparseForward: Kernels['conv2dSparseForward'] = (x, wT, bias, y, g) => {
    if (this.host(x, wT, bias, y)) return reference.conv2dSparseForward(x, wT, bias, y, g);
    this.link.op('conv2dSparseForward', [x, wT, bias, y], [3], [], g);
  };
  /** The two ops one after the other (both tiled GEMMs on the GPU, where skipping zeros does not pay). */
  conv2dSparseForwardCross: Kernels['conv2dSparseForwardCross'] = (x, wT, bias, y, cross, at) => {
    this.conv2dSparseForward(x, wT, bias, y, at);
    this.conv2dSparseBackwardFilter(x, y, cross, at);
  };
  avgPool2dForward: Kernels['avgPool2dForward'] = (x, y, g) => {
    if (this.host(x, y)) return reference.avgPool2dForward(x, y, g);
    this.link.op('avgPool2dForward', [x, y], [1], [], g);
  };
  avgPool2dBackward: Kernels['avgPool2dBackward'] = (dy, dx, g) => {
    if (this.host(dy, dx)) return reference.avgPool2dBackward(dy, dx, g);
    this.link.op('avgPool2dBackward', [dy, dx], [1], [], g);
  };
  batchNormStats: Kernels['batchNormStats'] = (x, mean, variance, at) => {
    if (this.host(x, mean, variance)) return reference.batchNormStats(x, mean, variance, at);
    this.link.op('batchNormStats', [x, mean, variance], [1, 2], [], at);
  };
  batchNormApply: Kernels['batchNormApply'] = (x, y, mean, invStd, gamma, beta, at) => {
    if (this.host(x, y, mean, invStd, gamma, beta))
      return reference.batchNormApply(x, y, mean, invStd, gamma, beta, at);
    this.link.op('batchNormApply', [x, y, mean, invStd, gamma, beta], [1], [], at);
  };
  batchNormBackward: Kernels['batchNormBackward'] = (x, dy, mean, invStd, gamma, dx, dgamma, dbeta, at) => {
    if (composedBatchNormBackward(this, x, dy, mean, invStd, gamma, dx, dgamma, dbeta, at)) return;
    if (this.host(x, dy, mean, invStd, gamma, dx, dgamma, dbeta))
      return reference.batchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta, at);
    const acc = at.accumulate === true ? [6, 7] : [];
    this.link.op('batchNormBackward', [x, dy, mean, invStd, gamma, dx, dgamma, dbeta], [5, 6, 7], acc, at);
  };
  neuronForward: Kernels['neuronForward'] = (input, spikes, a) => {
    if (composedNeuronForward(this, input, spikes, a)) return;
    const current = a.synapse?.current;
    const bufs = [input, spikes, a.membrane, a.record, a.rate?.out, current];
    if (this.host(...bufs)) return reference.neuronForward(input, spikes, a);
    const { membrane: _m, record: _r, rate, synapse, ...rest } = a;
    const attrs = {
      ...rest,
      ...(synapse === undefined ? {} : { synapse: { decay: synapse.decay, gain: synapse.gain } }),
      ...(rate === undefined ? {} : { rateWeights: rate.weights }),
    };
    // the carried membrane and synaptic current are read and written
    this.link.op('neuronForward', bufs, [1, 2, 3, 4, 5], [2, 5], attrs);
  };
  neuronBackward: Kernels['neuronBackward'] = (gradOut, gradIn, a) => {
    if (a.mode === 'representation') {
      if (this.host(gradOut, gradIn, a.inputRep)) return reference.neuronBackward(gradOut, gradIn, a);
      const { inputRep: _i, ...attrs } = a;
      return this.link.op('neuronBackward', [gradOut, gradIn, a.inputRep, null], [1], [], attrs, true);
    }
    if (this.host(gradOut, gradIn, a.membrane)) return reference.neuronBackward(gradOut, gradIn, a);
    const { membrane: _m, ...attrs } = a;
    return this.link.op('neuronBackward', [gradOut, gradIn, null, a.membrane], [1], [], attrs, true);
  };
  packSpikes: Kernels['packSpikes'] = (x, bits) => {
    if (this.host(x, bits)) return reference.packSpikes(x, bits);
    this.link.op('packSpikes', [x, bits], [1], [], { n: x.length });
  };
  unpackSpikes: Kernels['unpackSpikes'] = (bits, y, at) => {
    if (this.host(bits, y)) return reference.unpackSpikes(bits, y, at);
    this.link.op('unpackSpikes', [bits, y], [1], [], { ...at, n: y.length });
  };
  transpose: Kernels['transpose'] = (x, y, at) => {
    checkTranspose(x, y, at); // here: an error on the device thread would come back as text
    if (this.host(x, y)) return reference.transpose(x, y, at);
    this.link.op('transpose', [x, y], [1], [], at);
  };
  elementwise: Kernels['elementwise'] = (inputs, out, at) => {
    if (this.host(...inputs, out)) return reference.elementwise(inputs, out, at);
    const last = elementwiseRow(inputs, out, at);
    const o = inputs.length;
    this.link.op('elementwise', [...inputs, out], [o], at.accumulate === true ? [o] : [], {
      ...at,
      n: out.length,
      last,
    });
  };
  reduce: Kernels['reduce'] = (x, at) => {
    if (this.host(x)) return reference.reduce(x, at);
    return this.link.op('reduce', [x], [], [], { ...at, n: x.length }, true);
  };
  sumRows: Kernels['sumRows'] = (x, out, at) => {
    if (this.host(x, out)) return reference.sumRows(x, out, at);
    this.link.op('sumRows', [x, out], [1], at.accumulate === true ? [1] : [], at);
  };
  softmaxCrossEntropy: Kernels['softmaxCrossEntropy'] = (logits, labels, grad, at) => {
    if (this.host(logits, grad)) return reference.softmaxCrossEntropy(logits, labels, grad, at);
    checkLabels(labels, at.rows, at.classes); // here: an error on the device thread would come back as text
    const attrs = { ...at, labels: labels.slice(0, at.rows) };
    return this.link.op('softmaxCrossEntropy', [logits, grad], [1], [], attrs, true) / at.rows;
  };
  sgdStep: Kernels['sgdStep'] = (param, grad, momentum, a) => {
    if (this.host(param, grad, momentum)) return reference.sgdStep(param, grad, momentum, a);
    this.link.op('sgdStep', [param, grad, momentum], [0, 2], [0, 2], a);
  };
  adamStep: Kernels['adamStep'] = (param, grad, m, v, a) => {
    if (this.host(param, grad, m, v)) return reference.adamStep(param, grad, m, v, a);
    this.link.op('adamStep', [param, grad, m, v], [0, 2, 3], [0, 2, 3], a);
  };
}
