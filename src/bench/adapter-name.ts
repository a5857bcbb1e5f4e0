import type { AdapterInfo } from '../kernels/webgpu/index.js';

/**
 * One line naming a WebGPU adapter: Dawn's device name, then vendor, architecture and the driver's description,
 * e.g. "llvmpipe-llvm-15-0-6-256-bits- (mesa, software; llvmpipe: Mesa 25.0.7 …) [software adapter]".
 */
export function adapterName(a: AdapterInfo): string {
  const details = [[a.vendor, a.architecture].filter((s) => s !== '').join(', '), a.description]
    .filter((s) => s !== '')
    .join('; ');
  const name = a.device || 'unnamed adapter';
  return `${name}${details === '' ? '' : ` (${details})`}${a.fallback ? ' [software adapter]' : ''}`;
}
