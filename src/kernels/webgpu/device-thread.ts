/**
 * The device thread's loop, for Node's worker_threads and the browser's Web Workers alike: gets an adapter and a
 * device, then runs each flush through the Executor in order and, for a flush the caller waits on, writes the
 * downloads and the result into shared memory and wakes the caller. GPU errors are caught per flush (error scopes)
 * and reported at the next wait, one line, since the caller cannot take messages while it waits.
 */
import { Executor } from './executor.js';
import {
  CONTROL_WORDS,
  type DeviceInit,
  type DeviceReady,
  ERROR,
  ERROR_BYTES,
  ERROR_LENGTH,
  type Flush,
  RESULT_FLOATS,
  RESULT_LENGTH,
  SEQ,
} from './protocol.js';

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** A device with the adapter's own limits on what the ops need (the defaults are far below most GPUs'). */
export function deviceWithAdapterLimits(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  const al = adapter.limits as unknown as Record<string, number>;
  for (const k of LIMITS) if (typeof al[k] === 'number') requiredLimits[k] = al[k];
  return adapter.requestDevice({ requiredLimits });
}

export async function deviceThread(
  gpu: GPU,
  init: DeviceInit,
  post: (m: DeviceReady) => void,
  listen: (onFlush: (f: Flush) => void) => void,
): Promise<void> {
  const adapter = await gpu.requestAdapter(
    init.powerPreference === undefined ? undefined : { powerPreference: init.powerPreference },
  );
  if (adapter === null) {
    post({ ok: false, reason: 'no WebGPU adapter (on Linux: a Vulkan driver and the Vulkan loader, libvulkan1)' });
    return;
  }
  const device = await deviceWithAdapterLimits(adapter);
  const control = new Int32Array(init.shared.control);
  if (control.length < CONTROL_WORDS) throw new Error('control block too small');
  const resultBlock = new Float32Array(init.shared.result);
  const errorBlock = new Uint8Array(init.shared.error);
  let downloadBlock = new Float32Array(init.shared.download);
  let firstError: string | null = null;
  const record = (text: string): void => {
    firstError ??= text;
  };
  device.addEventListener('uncapturederror', (ev) => {
    const e = ev as GPUUncapturedErrorEvent;
    e.preventDefault(); // else dawn.node also prints it to stdout
    record(e.error.message);
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') record(`device lost: ${info.message}`);
  });
  const ex = new Executor(device);
  const info = adapter.info;
  post({
    ok: true,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
    },
    fallback: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || info.architecture === 'software',
  });

  let pending: Promise<unknown> = Promise.resolve();
  const answer = (seq: number, result: Float32Array | null): void => {
    if (firstError !== null) {
      const bytes = new TextEncoder().encode(firstError).subarray(0, ERROR_BYTES);
      errorBlock.set(bytes);
      Atomics.store(control, ERROR_LENGTH, bytes.length);
      Atomics.store(control, ERROR, 1);
      firstError = null;
    }
    const n = result === null ? 0 : Math.min(result.length, RESULT_FLOATS);
    if (result !== null) resultBlock.set(result.subarray(0, n));
    Atomics.store(control, RESULT_LENGTH, n);
    Atomics.store(control, SEQ, seq);
    Atomics.notify(control, SEQ);
  };
  listen((flush) => {
    if (flush.downloadBlock !== undefined) downloadBlock = new Float32Array(flush.downloadBlock);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let run: Promise<{ downloads: { at: number; data: Float32Array }[]; result: Float32Array | null }>;
    try {
      run = ex.run(flush);
    } catch (e) {
      record(e instanceof Error ? e.message : String(e));
      run = Promise.resolve({ downloads: [], result: null });
    }
    const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()]).then((errs) => {
      for (const e of errs) if (e !== null) record(e.message);
    });
    pending = Promise.all([pending, scopes]);
    if (flush.seq === undefined) {
      run.catch((e: unknown) => record(e instanceof Error ? e.message : String(e)));
      return;
    }
    const seq = flush.seq;
    // a wait with nothing to read back (finish()) must still wait until the GPU has run what was submitted
    const ran = device.queue.onSubmittedWorkDone();
    // answered only when everything has settled, a failed op too: a caller that closes the device right after
    // an error otherwise ends the thread with Dawn callbacks outstanding, which aborts the process
    const done = Promise.allSettled([run, pending, ran]).then((settled) => {
      const failed = settled.find((x) => x.status === 'rejected');
      if (failed !== undefined) {
        const e: unknown = failed.reason;
        record(e instanceof Error ? e.message : String(e));
        answer(seq, null);
        return;
      }
      const r = (settled[0] as PromiseFulfilledResult<Awaited<typeof run>>).value;
      for (const d of r.downloads) downloadBlock.set(d.data, d.at);
      answer(seq, r.result);
    });
    pending = done;
  });
}
