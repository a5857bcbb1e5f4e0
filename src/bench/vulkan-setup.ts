/**
 * What dawn.node needs on Linux to find a GPU, checked on disk so that "no adapter" can say what is missing:
 * the Khronos loader (libvulkan.so.1, dlopened at run time) and an installable client driver, an ICD manifest
 * (a JSON file naming the driver library). NVIDIA's manifest comes with the driver's GL/Vulkan userspace.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

export interface VulkanSetup {
  /** Where libvulkan.so.1 was found, or null. */
  readonly loader: string | null;
  /** ICD manifests the loader would read (VK_ICD_FILENAMES / VK_DRIVER_FILES when set, else the standard folders). */
  readonly icds: string[];
}

export function vulkanSetup(env: NodeJS.ProcessEnv = process.env): VulkanSetup {
  const libDirs = [...(env['LD_LIBRARY_PATH'] ?? '').split(':').filter((d) => d !== ''), ...LIB_DIRS];
  const loader = libDirs.map((d) => join(d, 'libvulkan.so.1')).find((f) => existsSync(f)) ?? null;
  const pinned = env['VK_DRIVER_FILES'] ?? env['VK_ICD_FILENAMES'];
  if (pinned !== undefined && pinned !== '') return { loader, icds: pinned.split(':').filter((f) => f !== '') };
  const dataDirs = (env['XDG_DATA_DIRS'] ?? '').split(':').filter((d) => d !== '');
  const icds: string[] = [];
  for (const dir of [...ICD_DIRS, ...dataDirs.map((d) => join(d, 'vulkan/icd.d'))]) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) icds.push(join(dir, f));
    } catch {
      // a folder that is not there holds no driver
    }
  }
  return { loader, icds: [...new Set(icds)] };
}

/** One line: what was found and what a GPU needs, for the "no adapter" and "only a software adapter" cases. */
export function vulkanHint(s: VulkanSetup = vulkanSetup()): string {
  const icds = s.icds.length === 0 ? 'none' : s.icds.join(', ');
  // the manifest can be there while the library it names is not (a compute-only driver install, a container)
  const nvidia = s.icds.some((f) => /nvidia/i.test(f))
    ? 'An NVIDIA manifest is there but gave no GPU adapter: check vulkaninfo --summary and that the driver library it names (libGLX_nvidia.so.0) is installed. '
    : '';
  return (
    `Vulkan loader libvulkan.so.1: ${s.loader ?? 'missing (Debian/Ubuntu: libvulkan1)'}; ICD manifests: ${icds}. ${nvidia}` +
    'A GPU needs its Vulkan ICD (NVIDIA: nvidia_icd.json from the driver’s GL/Vulkan userspace, e.g. libnvidia-gl-<version>; ' +
    'in containers NVIDIA_DRIVER_CAPABILITIES must include graphics), and dawn.node needs glibc ≥ 2.34'
  );
}
