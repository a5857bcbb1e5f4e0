import { totalmem } from 'node:os';
import { SpikerepError } from '../errors.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';

/** The wasm backend's whole heap (32-bit addresses). */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** The longest Float32Array the engine makes. */
const MAX_ARRAY_LENGTH = 2 ** 32;

/** The largest tensor one sample makes at one time step, in values: the input or some layer's output. */
export function largestActivation(net: Network): number {
  if (net.inputShape === undefined) return 0;
  const ctx = { T: 1, batch: 1 };
  const size = (shape: readonly number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);
  let largest = 0;
  const walk = (l: Layer, shape: number[]): number[] => {
    // a sequential container's own output hides the larger tensors inside it; other blocks keep their size
    if (l.kind === 'sequential') for (const c of l.children()) shape = walk(c, shape);
    else shape = l.outputShape(shape, ctx);
    largest = Math.max(largest, size(shape));
    return shape;
  };
  const input = [1, ...net.inputShape];
  largest = size(input);
  walk(net.body, input);
  return largest;
}

/**
 * Refuses, before anything is allocated, a run whose T and batch size make even one layer's activations larger
 * than the backend can hold (all of a batch's T steps live at once unless the run goes in time chunks): a lower
 * bound, so a refusal is certain to have failed later, only after a long wait or as an obscure allocation error.
 */
export function checkActivationMemory(
  net: Network,
  run: { batch: number; timeChunk: number | undefined; batchSetting: 'batchSize' | 'testBatchSize' },
  backend: string,
): void {
  const steps = Math.min(net.T, run.timeChunk ?? net.T);
  const values = largestActivation(net) * steps * run.batch;
  const bytes = values * 4;
  const budget = backend === 'wasm' ? WASM_HEAP_BYTES : totalmem();
  if (bytes <= budget && values <= MAX_ARRAY_LENGTH) return;
  const gb = (b: number): string => `${(b / 1024 ** 3).toPrecision(3)} GiB`;
  const limit =
    bytes > budget
      ? `more than the ${gb(budget)} ${backend === 'wasm' ? 'the wasm backend can address' : 'of memory on this machine'}`
      : `more than one array can hold (${MAX_ARRAY_LENGTH} values)`;
  throw new SpikerepError(
    'E_ARG',
    `\`T\` ${net.T} × \`${run.batchSetting}\` ${run.batch} needs at least ${gb(bytes)} for one layer's activations, ` +
      `${limit}: lower \`T\` or \`${run.batchSetting}\`${run.timeChunk === undefined ? ' (or run in time chunks: `timeChunk`)' : ''}`,
  );
}
