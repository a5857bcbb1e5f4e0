/**
 * GPU errors reach the calling thread as one line: the device thread catches them per flush (error scopes), and
 * the caller's next wait throws them, so a failed dispatch never passes as wrong numbers. The browser's device
 * worker runs the same device-thread code (checked by hand in headless Chromium with a shader over the
 * invocation limit: the panel shows "error: webgpu: Entry-point uses workgroup_size(1024, 1, 1) that exceeds…").
 * Skipped with the reason where there is no WebGPU adapter, never under CI.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { DeviceLink } from '../../src/kernels/webgpu/link.js';
import { type DeviceHandle, startDevice } from '../../src/kernels/webgpu/platform.js';
import { CONTROL_WORDS, ERROR_BYTES, RESULT_FLOATS } from '../../src/kernels/webgpu/protocol.js';
import { requireAdapterUnderCi, SKIP } from '../support/kernels.webgpu-setup.js';

requireAdapterUnderCi();

const shared = {
  control: new SharedArrayBuffer(CONTROL_WORDS * 4),
  result: new SharedArrayBuffer(RESULT_FLOATS * 4),
  error: new SharedArrayBuffer(ERROR_BYTES),
  download: new SharedArrayBuffer(1 << 16),
};
let device: DeviceHandle | null = null;
let link: DeviceLink;

before(async () => {
  if (SKIP !== false) return;
  device = startDevice({ shared, flags: [] });
  const ready = await device.ready;
  assert.ok(ready.ok, JSON.stringify(ready));
  link = new DeviceLink(device, shared, 0);
});
after(() => device?.close());

/** The error a wait throws, as its message. */
function waitError(): string {
  try {
    link.wait([]);
  } catch (e) {
    assert.ok(e instanceof SpikerepError, String(e));
    return e.message;
  }
  return 'no error';
}

test('a validation error in a flush nobody waits for is thrown, one line, at the next wait; then the link works again', {
  skip: SKIP,
}, () => {
  // far above any device's maxBufferSize: createBuffer fails validation on the device thread
  device!.post({ cmds: [{ t: 'alloc', id: 1 << 30, n: 2 ** 40 }], uploads: new Float32Array(0) }, []);
  const message = waitError();
  assert.match(message, /^webgpu: \S.*$/);
  assert.doesNotMatch(message, /\n/);
  assert.match(message, /size|buffer/i);
  assert.equal(waitError(), 'no error', 'the error is reported once');
});

test('an executor error (an op the device does not know) is thrown the same way', { skip: SKIP }, () => {
  device!.post(
    { cmds: [{ t: 'op', op: 'noSuchOp', refs: [], outs: [], attrs: {} }], uploads: new Float32Array(0) },
    [],
  );
  assert.equal(waitError(), 'webgpu: no op "noSuchOp"');
});
