/**
 * Every method of the kernel contract has a conformance case: the methods the shared suites list (each suite also
 * checks, on every backend, that its cases call what it lists) cover the whole Kernels interface, and every fast
 * backend's test files run every suite.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { contractMethods } from '../support/conformance.coverage.js';
import { DENSE_METHODS } from '../support/conformance.dense.js';
import { NEURON_METHODS } from '../support/conformance.neuron.js';

const SUITES = { denseConformance: DENSE_METHODS, neuronConformance: NEURON_METHODS };
const BACKEND_TESTS = new URL('../backend/', import.meta.url);

describe('kernel conformance coverage', () => {
  it('the suites together cover every contract method, and list no method the contract lacks', () => {
    const contract = contractMethods();
    const listed = new Set(Object.values(SUITES).flat());
    assert.deepEqual(
      contract.filter((m) => !listed.has(m as never)),
      [],
      'contract methods without a conformance case',
    );
    assert.deepEqual(
      [...listed].filter((m) => !contract.includes(m)),
      [],
      'listed methods the contract does not have',
    );
  });

  it('reads the contract off the reference backend', () => {
    const contract = contractMethods();
    assert.ok(contract.includes('gemm') && contract.includes('alloc'), contract.join(', '));
    assert.ok(!contract.includes('name') && !contract.includes('threads') && !contract.includes('constructor'));
  });

  for (const backend of ['wasm', 'native', 'webgpu']) {
    it(`the ${backend} backend's tests run every suite`, () => {
      const files = readdirSync(BACKEND_TESTS).filter(
        (f) => f.startsWith(`kernels.${backend}`) && f.endsWith('.test.ts'),
      );
      const text = files.map((f) => readFileSync(new URL(f, BACKEND_TESTS), 'utf8')).join('\n');
      for (const suite of Object.keys(SUITES))
        assert.ok(text.includes(`${suite}(`), `${backend}: no test file calls ${suite}`);
    });
  }
});
