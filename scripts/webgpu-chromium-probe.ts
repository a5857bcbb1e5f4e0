/**
 * Which Chromium flags give headless Chromium a WebGPU adapter on this machine (not a test: a probe whose answer
 * goes into the notes). For each flag set it opens a page on 127.0.0.1 (WebGPU needs a secure context), asks for
 * an adapter, prints its info, and runs one compute dispatch (x ↦ 2x + 1 over 256 floats) to see that it executes.
 *
 *   node --import tsx scripts/webgpu-chromium-probe.ts [chromium path]
 *
 * Found with Debian's chromium 156 and Mesa 25.0.7 lavapipe (bookworm-backports), 2026-12: without
 * --enable-unsafe-webgpu (and with the browser tests' --disable-gpu) requestAdapter() gives null; with it, every
 * combination tried gives Chromium's own SwiftShader (vendor google, architecture swiftshader,
 * isFallbackAdapter true), whose compute is correct. Lavapipe is never offered, not even with the loader limited to
 * it (VK_ICD_FILENAMES), nor with --disable-dawn-features=adapter_blocklist; the binary holds the pattern
 * "(?i).*(software|llvmpipe|softpipe).*" next to "CPU adapters not fully tested or conformant", so it seems to
 * leave such adapters out on purpose.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';

const BROWSER = process.argv[2] ?? '/usr/bin/chromium';
const BASE = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update'];
const UNSAFE = '--enable-unsafe-webgpu';
const VULKAN = ['--enable-features=Vulkan', '--use-vulkan=native', '--use-angle=vulkan', '--disable-vulkan-surface'];
const LAVAPIPE = { VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.json' };
/** A flag set, and environment variables for the browser (the Vulkan loader's). */
const SETS: Record<string, { flags: string[]; env?: Record<string, string> }> = {
  'the browser tests (--disable-gpu)': { flags: ['--disable-gpu'] },
  'no flags': { flags: [] },
  unsafe: { flags: [UNSAFE] },
  'unsafe + vulkan set': { flags: [UNSAFE, ...VULKAN] },
  'unsafe + vulkan set + --ignore-gpu-blocklist': { flags: [UNSAFE, ...VULKAN, '--ignore-gpu-blocklist'] },
  'unsafe + --use-webgpu-adapter=swiftshader': { flags: [UNSAFE, '--use-webgpu-adapter=swiftshader'] },
  'unsafe + vulkan set + --ignore-gpu-blocklist, loader limited to lavapipe': {
    flags: [UNSAFE, ...VULKAN, '--ignore-gpu-blocklist'],
    env: LAVAPIPE,
  },
  'unsafe + vulkan set + --ignore-gpu-blocklist + --use-webgpu-adapter=default, loader limited to lavapipe': {
    flags: [UNSAFE, ...VULKAN, '--ignore-gpu-blocklist', '--use-webgpu-adapter=default'],
    env: LAVAPIPE,
  },
  'unsafe + --enable-features=Vulkan,WebGPUDeveloperFeatures + --enable-dawn-features=allow_unsafe_apis, lavapipe': {
    flags: [
      UNSAFE,
      '--enable-features=Vulkan,WebGPUDeveloperFeatures',
      '--use-vulkan=native',
      '--disable-vulkan-surface',
      '--ignore-gpu-blocklist',
      '--enable-dawn-features=allow_unsafe_apis',
    ],
    env: LAVAPIPE,
  },
  'unsafe + --use-angle=swiftshader + --enable-unsafe-swiftshader': {
    flags: [UNSAFE, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  },
};

/** Runs in the page. */
async function probe(forceFallbackAdapter: boolean): Promise<Record<string, unknown>> {
  // biome-ignore lint/suspicious/noExplicitAny: the page's WebGPU API is untyped here
  type Any = any;
  const gpu = (globalThis as Any).navigator.gpu;
  if (gpu === undefined) return { navigatorGpu: false };
  const adapter = await gpu.requestAdapter(forceFallbackAdapter ? { forceFallbackAdapter } : undefined);
  if (adapter === null) return { navigatorGpu: true, adapter: null };
  const i = adapter.info ?? {};
  const info = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter,
    features: [...adapter.features].sort().join(' '),
  };
  let compute = 'not run';
  try {
    const device = await adapter.requestDevice();
    const n = 256;
    const buf = device.createBuffer({ size: n * 4, usage: 0x80 | 0x4 | 0x8 }); // STORAGE | COPY_SRC | COPY_DST
    device.queue.writeBuffer(
      buf,
      0,
      Float32Array.from({ length: n }, (_, k) => k),
    );
    const module = device.createShaderModule({
      code: '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { x[g.x] = 2.0 * x[g.x] + 1.0; }',
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: buf } }],
    });
    const read = device.createBuffer({ size: n * 4, usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(n / 64);
    pass.end();
    enc.copyBufferToBuffer(buf, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(1);
    const out = new Float32Array(read.getMappedRange().slice(0));
    compute = out.every((v, k) => v === 2 * k + 1) ? 'correct' : `wrong: ${out.slice(0, 4).join(',')}`;
  } catch (e) {
    compute = `failed: ${(e as Error).message}`;
  }
  return { navigatorGpu: true, adapter: info, compute };
}

const server = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html>'));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const results: Record<string, string> = {};
const summary = (r: Record<string, unknown>): string => {
  if (r['navigatorGpu'] === false) return 'no navigator.gpu';
  const a = r['adapter'] as Record<string, unknown> | null;
  if (a === null) return 'adapter null';
  return `${a['vendor']}/${a['architecture']}${a['description'] ? ` (${a['description']})` : ''}, isFallbackAdapter ${a['isFallbackAdapter']}, compute ${r['compute']}`;
};
let features = '';
for (const [name, { flags, env }] of Object.entries(SETS)) {
  const browser = await chromium.launch({
    executablePath: BROWSER,
    headless: true,
    args: [...BASE, ...flags],
    env: { ...process.env, ...env } as Record<string, string>,
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const plain = await page.evaluate(probe, false);
    const fallback = await page.evaluate(probe, true);
    features ||= String((plain['adapter'] as Record<string, unknown> | null)?.['features'] ?? '');
    results[name] = `${summary(plain)}; with forceFallbackAdapter: ${summary(fallback)}`;
  } catch (e) {
    results[name] = `error: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    await browser.close();
  }
  process.stdout.write(
    `${name}\n  flags: ${flags.join(' ') || '(none)'}${env ? `\n  env: ${JSON.stringify(env)}` : ''}\n  -> ${results[name]}\n`,
  );
}
process.stdout.write(`features of the first adapter: ${features}\n`);
server.close();
