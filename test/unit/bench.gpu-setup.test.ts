/**
 * What the GPU check says when it gets no adapter or only a software one: the Vulkan setup found on disk
 * (vulkan-setup.ts) and the adapter's one-line name (adapter-name.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { adapterName } from '../../src/bench/adapter-name.js';
import { vulkanHint, vulkanSetup } from '../../src/bench/vulkan-setup.js';

test('the loader is looked for on LD_LIBRARY_PATH first; pinned ICD files are the only ones listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-vk-'));
  writeFileSync(join(dir, 'libvulkan.so.1'), '');
  const s = vulkanSetup({ LD_LIBRARY_PATH: dir, VK_ICD_FILENAMES: '/a/nvidia_icd.json:/b/lvp_icd.json' });
  assert.equal(s.loader, join(dir, 'libvulkan.so.1'));
  assert.deepEqual(s.icds, ['/a/nvidia_icd.json', '/b/lvp_icd.json']);
  // VK_DRIVER_FILES, the newer name, wins over VK_ICD_FILENAMES
  assert.deepEqual(vulkanSetup({ VK_DRIVER_FILES: '/c/x.json', VK_ICD_FILENAMES: '/a/y.json' }).icds, ['/c/x.json']);
});

test('ICD manifests are read from XDG_DATA_DIRS too, JSON files only', () => {
  const data = mkdtempSync(join(tmpdir(), 'spikerep-vk-data-'));
  mkdirSync(join(data, 'vulkan/icd.d'), { recursive: true });
  writeFileSync(join(data, 'vulkan/icd.d/nvidia_icd.json'), '{}');
  writeFileSync(join(data, 'vulkan/icd.d/readme.txt'), '');
  const icds = vulkanSetup({ XDG_DATA_DIRS: data }).icds;
  assert.ok(icds.includes(join(data, 'vulkan/icd.d/nvidia_icd.json')), icds.join(', '));
  assert.ok(!icds.some((f) => f.endsWith('readme.txt')));
});

test('the hint is one line naming what is missing', () => {
  const hint = vulkanHint({ loader: null, icds: [] });
  assert.doesNotMatch(hint, /\n/);
  assert.match(hint, /libvulkan\.so\.1: missing \(Debian\/Ubuntu: libvulkan1\); ICD manifests: none\./);
  assert.match(hint, /NVIDIA_DRIVER_CAPABILITIES must include graphics/);
  assert.match(
    vulkanHint({ loader: '/usr/lib/libvulkan.so.1', icds: ['/x/a.json'] }),
    /\/usr\/lib\/libvulkan\.so\.1; ICD manifests: \/x\/a\.json\./,
  );
  assert.doesNotMatch(vulkanHint({ loader: null, icds: ['/x/a.json'] }), /NVIDIA manifest is there/);
  assert.match(
    vulkanHint({ loader: '/usr/lib/libvulkan.so.1', icds: ['/etc/vulkan/icd.d/nvidia_icd.json'] }),
    /An NVIDIA manifest is there but gave no GPU adapter: check vulkaninfo --summary/,
  );
});

test('an adapter is named by device, vendor, architecture and driver; a software one says so', () => {
  const lavapipe = {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe-llvm-15-0-6-256-bits-',
    description: 'llvmpipe: Mesa 25.0.7',
    fallback: true,
  };
  assert.equal(
    adapterName(lavapipe),
    'llvmpipe-llvm-15-0-6-256-bits- (mesa, software; llvmpipe: Mesa 25.0.7) [software adapter]',
  );
  assert.equal(
    adapterName({ vendor: 'nvidia', architecture: '', device: 'h100', description: '', fallback: false }),
    'h100 (nvidia)',
  );
  assert.equal(
    adapterName({ vendor: '', architecture: '', device: '', description: '', fallback: false }),
    'unnamed adapter',
  );
});
