/**
 * The backend the nn/snn suites run on: the reference kernels by default, or the backend named by
 * SPIKEREP_TEST_BACKEND (wasm, native, webgpu, or split: webgpu's memory model on the reference kernels,
 * test/support/split-memory.ts), so the same layer, network and training tests check a fast backend
 * end to end. Comparisons with the reference kernels' exact float32 results go through `assertMatchesReference`,
 * which allows round-off on a fast backend: its sums run in another order (SIMD lanes, fused multiply-add, blocked
 * GEMM).
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { BackendName, Kernels } from '../../src/kernels/kernels.js';
import { reference } from '../../src/kernels/reference/index.js';
import { assertClose } from './gradcheck.js';
import { splitMemoryKernels } from './split-memory.js';

export type TestBackend = Extract<BackendName, 'reference' | 'wasm' | 'native' | 'webgpu'> | 'split';

const CHOICES: readonly TestBackend[] = ['reference', 'wasm', 'native', 'webgpu', 'split'];

function chosenBackend(): TestBackend {
  const raw = process.env.SPIKEREP_TEST_BACKEND ?? 'reference';
  const name = CHOICES.find((c) => c === raw);
  if (name === undefined) throw new Error(`SPIKEREP_TEST_BACKEND="${raw}": expected ${CHOICES.join(', ')}`);
  return name;
}

export const TEST_BACKEND: TestBackend = chosenBackend();

let made: Promise<Kernels> | null = null;

/**
 * The kernels under test, created once per test file (each file is its own process) and closed after its tests.
 * Two threads on wasm, so the chunked (multi-worker) code paths are exercised too.
 */
export function testKernels(): Promise<Kernels> {
  if (made === null) {
    // webgpu and split mirror only tiny buffers, so the layers' activations take the GPU-resident paths
    const backend = TEST_BACKEND;
    made =
      backend === 'reference'
        ? Promise.resolve(reference)
        : backend === 'split'
          ? Promise.resolve(splitMemoryKernels(64))
          : createKernels(backend, { threads: 2, webgpu: { hostMax: 64 } });
    if (backend !== 'reference') after(async () => disposeKernels(await made!));
  }
  return made;
}

/**
 * The kernels under test against the reference kernels (which the functional API runs on): bit-equal on the
 * reference backend, equal to float32 round-off (rtol 1e-5 of the largest value) on a fast one.
 */
export function assertMatchesReference(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  if (TEST_BACKEND === 'reference') assert.deepEqual([...Array.from(actual)], [...Array.from(expected)], what);
  else assertClose(actual, expected, { rtol: 1e-5 }, what);
}
