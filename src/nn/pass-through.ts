/**
 * Replacements of a layer's forward (recorders, the step profiler's timers) and whether they read the output.
 * A layer whose output a fused forward never writes (the spikes a neuron pools itself, the batch-norm output a
 * neuron normalises itself) takes that path only where no replacement reads it.
 */
const passThrough = new WeakSet<object>();

/** Marks `wrapper`, a replacement of a layer's forward, as one that hands the output on without reading it. */
export function passesOutputThrough<F extends object>(wrapper: F): F {
  passThrough.add(wrapper);
  return wrapper;
}

/** Whether `layer[method]` was replaced on the instance by something that may read the output. */
export function readsOutput(layer: object, method: string): boolean {
  return Object.hasOwn(layer, method) && !passThrough.has((layer as Record<string, object>)[method]!);
}
