/**
 * `npm run test:nn:webgpu`: the layer, neuron and network suites on the webgpu backend, where a WebGPU adapter can
 * be had (a software one will do: Mesa's lavapipe). Without one it says why and skips, except under CI, where that
 * fails (.ci/run installs lavapipe).
 */
import { spawnSync } from 'node:child_process';
import { webgpuUnavailable } from '../src/kernels/webgpu/index.js';

const reason = await webgpuUnavailable();
if (reason !== null) {
  process.stderr.write(`test:nn:webgpu ${process.env.CI ? 'failed' : 'skipped'}: ${reason}\n`);
  process.exit(process.env.CI ? 1 : 0);
}
const r = spawnSync('npm', ['run', 'test:nn'], {
  stdio: 'inherit',
  env: { ...process.env, SPIKEREP_TEST_BACKEND: 'webgpu' },
});
process.exit(r.status ?? 1);
