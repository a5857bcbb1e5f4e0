/**
 * Shared setup of the native conformance tests: the configurations every kernel is checked in (1 and 2 threads,
 * oneDNN convolutions and the im2col + OpenBLAS fallback), and the skip rule: the addon is optional, so the tests
 * skip with the build command when it is missing, except under CI, where .ci/run builds it and a missing addon fails.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createKernels } from '../../src/kernels/backend.js';
import { loadNativeAddon, NATIVE_INSTALL_HINT } from '../../src/kernels/native/addon.js';
import type { NativeKernels } from '../../src/kernels/native/index.js';

export interface NativeConfig {
  label: string;
  threads: number;
  oneDnn: boolean;
}

export const NATIVE_CONFIGS: NativeConfig[] = [
  { label: '1 thread', threads: 1, oneDnn: true },
  { label: '2 threads', threads: 2, oneDnn: true },
  { label: '2 threads, im2col + OpenBLAS convolutions', threads: 2, oneDnn: false },
];

const built = loadNativeAddon() !== null;
/** The reason to skip, or false when the addon is built (or when CI requires it). */
export const SKIP: string | false =
  built || process.env.CI ? false : `native addon not built: run "${NATIVE_INSTALL_HINT}"`;

/** Under CI a missing addon is a failure, not a skip. */
export function requireBuiltUnderCi(): void {
  it('the native addon is built (CI builds it in .ci/run)', { skip: SKIP }, () => {
    assert.ok(built, `CI=${process.env.CI} but ${NATIVE_INSTALL_HINT} has not been run`);
  });
}

/** Creates one native backend per configuration before the file's tests. */
export function useNativeBackends(): Map<string, NativeKernels> {
  const made = new Map<string, NativeKernels>();
  before(async () => {
    if (!built) return;
    for (const c of NATIVE_CONFIGS)
      made.set(c.label, (await createKernels('native', { threads: c.threads })) as NativeKernels);
  });
  after(() => {
    for (const k of made.values()) k.useOneDnn(true);
  });
  return made;
}
