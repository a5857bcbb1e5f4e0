/**
 * `spikerep bench --backend webgpu`: the rows are measured on the device and the adapter is recorded; without an
 * adapter the backend is reported as not run and the command still succeeds. The device case is skipped with the
 * reason where there is no adapter, except under CI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BenchReport } from '../../src/bench/report.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { SKIP } from '../support/kernels.webgpu-setup.js';

function bench(env: NodeJS.ProcessEnv, ...args: string[]): { code: number | null; out: string; report: BenchReport } {
  const json = join(mkdtempSync(join(tmpdir(), 'spikerep-bench-webgpu-')), 'bench.json');
  const r = spawnSync(process.execPath, cliArgs(['bench', '--json', json, ...args]), {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return { code: r.status, out: r.stdout, report: JSON.parse(readFileSync(json, 'utf8')) as BenchReport };
}

test('bench --backend webgpu times the fused neuron step on the device', { skip: SKIP, timeout: 150_000 }, () => {
  const { out, report } = bench({}, '--backend', 'webgpu', '--quick', '--only', 'lif_step');
  const adapter = report.machine['webgpuAdapter'];
  assert.equal(typeof adapter, 'string');
  assert.match(out, new RegExp(`^webgpu adapter: ${String(adapter).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const rows = report.results.filter((r) => r.backend === 'webgpu');
  assert.deepEqual(rows.map((r) => r.name).sort(), ['lif_step', 'lif_step_with_rate']);
  for (const r of rows) assert.ok(typeof r.value === 'number' && r.value > 0, `${r.name}: ${r.value}`);
  assert.ok(
    report.results.every((r) => r.backend !== 'torch'),
    'no PyTorch peer beside a GPU backend',
  );
});

test('bench --backend webgpu without an adapter reports it as not run and still succeeds', () => {
  // a Vulkan loader pinned to a driver that is not there finds no adapter
  const { out, report } = bench(
    { VK_ICD_FILENAMES: join(tmpdir(), 'no-such-icd.json'), VK_DRIVER_FILES: join(tmpdir(), 'no-such-icd.json') },
    '--backend',
    'webgpu',
    '--only',
    'lif_step',
  );
  assert.match(String(report.machine['webgpu']), /^not run: webgpu: /);
  assert.match(out, /^webgpu not run: webgpu: /m);
  assert.deepEqual(report.results, []);
});
