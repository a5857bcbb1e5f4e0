/**
 * scripts/gpu-check.sh on whatever adapter this machine has (Mesa's lavapipe without a GPU): with
 * --allow-software --quick it prints one JSON object with every figure a positive number; on a software adapter
 * without --allow-software it refuses in one line. Runs the compiled dist/ (npm run build:ts). Skipped with the
 * reason where there is no adapter, except under CI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { WebGpuKernels } from '../../src/kernels/webgpu/index.js';
import { ROOT } from '../support/cli.command.js';
import { SKIP } from '../support/kernels.webgpu-setup.js';

/** Whether the adapter gpu-check.sh will get is a software one (null: no adapter). */
async function softwareAdapter(): Promise<boolean | null> {
  if (SKIP !== false) return null;
  const k = (await createKernels('webgpu')) as WebGpuKernels;
  const software = k.adapter.fallback;
  disposeKernels(k);
  return software;
}
const software = await softwareAdapter();

function gpuCheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['scripts/gpu-check.sh', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('gpu-check --allow-software --quick prints one JSON object of positive figures', {
  skip: SKIP,
  timeout: 180_000,
}, () => {
  const r = gpuCheck('--allow-software', '--quick');
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}\n${r.stdout}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(typeof out['adapter'], 'string');
  assert.notEqual(out['adapter'], '');
  assert.equal(out['errors'], undefined, 'no figure failed');
  assert.equal(out['quick'], true);
  const conv = out['conv_passes_tflops'] as Record<string, unknown>;
  assert.deepEqual(Object.keys(conv).sort(), ['filter_grad', 'forward', 'input_grad']);
  const figures: [string, unknown][] = [
    ['gemm_4096_tflops', out['gemm_4096_tflops']],
    ...Object.entries(conv).map(([pass, v]): [string, unknown] => [`conv ${pass}`, v]),
    ['train_resnet18_T5_images_per_s', out['train_resnet18_T5_images_per_s']],
    ['train_mnistnet_T4_images_per_s', out['train_mnistnet_T4_images_per_s']],
  ];
  for (const [name, v] of figures) {
    assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${name} is a positive number, got ${v}`);
  }
});

test('gpu-check refuses a software adapter without --allow-software, in one line', {
  skip: software === false ? 'this machine has a hardware adapter' : SKIP,
}, () => {
  const r = gpuCheck();
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '', 'no JSON');
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('gpu-check:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /software one, .*--allow-software.*libvulkan\.so\.1/);
});

test('gpu-check: a bad flag gives one line and exit 2', () => {
  const r = gpuCheck('--fast');
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^gpu-check: Unknown option '--fast' \(usage: .*\)$/);
});
