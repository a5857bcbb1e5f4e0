/**
 * Which kernel-contract methods the conformance suites exercise. Each suite lists the methods it covers; on every
 * backend it runs on, it records the calls its cases make and a last case fails when a listed method was never
 * called. test/unit/kernels.coverage.test.ts checks that the lists together name every method of the contract,
 * and that every fast backend runs every suite.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kernels } from '../../src/kernels/kernels.js';
import { reference } from '../../src/kernels/reference/index.js';

/** A method of the contract (not `name` or `threads`). */
export type KernelMethod = {
  [M in keyof Kernels]: Kernels[M] extends (...args: never[]) => unknown ? M : never;
}[keyof Kernels];

/** Every method of the contract, read off the reference backend: its fields and its class's methods. */
export function contractMethods(): string[] {
  const names = new Set<string>();
  for (let o: object | null = reference; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key !== 'constructor' && typeof (reference as unknown as Record<string, unknown>)[key] === 'function')
        names.add(key);
    }
  }
  return [...names].sort();
}

/** The backend K returns, behind a proxy that records every method its callers take from it. */
export function recordCalls(K: () => Kernels): { K: () => Kernels; called: Set<string> } {
  const called = new Set<string>();
  const proxies = new WeakMap<Kernels, Kernels>();
  const wrap = (k: Kernels): Kernels => {
    let p = proxies.get(k);
    if (p === undefined) {
      p = new Proxy(k, {
        get(target, key) {
          const v: unknown = Reflect.get(target, key, target);
          if (typeof v !== 'function') return v;
          called.add(String(key));
          return (v as (...args: unknown[]) => unknown).bind(target);
        },
      });
      proxies.set(k, p);
    }
    return p;
  };
  return { K: () => wrap(K()), called };
}

/** The suite's last case: every method it lists was called on this backend by one of its cases. */
export function coverageCase(called: Set<string>, methods: readonly KernelMethod[]): void {
  it('calls every contract method this suite covers', () => {
    const missing = methods.filter((m) => !called.has(m));
    assert.deepEqual(missing, [], `listed as covered but never called: ${missing.join(', ')}`);
  });
}
