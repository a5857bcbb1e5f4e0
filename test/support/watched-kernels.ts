import type { Kernels } from '../../src/kernels/kernels.js';

/** What a test watches: per kernel method, a function seeing each call's arguments before the call runs. */
export type Watchers = {
  [M in keyof Kernels]?: Kernels[M] extends (...args: infer A) => unknown ? (...args: A) => void : never;
};

/**
 * `base`, with `watch[method]` shown the arguments of every call of that method before base runs it (what the
 * layers asked the kernels for: row counts, attributes); everything else is base's.
 */
export function watchedKernels(base: Kernels, watch: Watchers): Kernels {
  return new Proxy(base, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const see = (watch as Record<string | symbol, ((...args: unknown[]) => void) | undefined>)[prop];
      const run = (v as (...args: unknown[]) => unknown).bind(target);
      if (see === undefined) return run;
      return (...args: unknown[]) => {
        see(...args);
        return run(...args);
      };
    },
  });
}
