/**
 * One training configuration in a fresh process, so its peak RSS is its own:
 *   node --import tsx src/bench/memory-probe.ts '{"model":"mnistnet","neuron":"if","T":8,...}'
 * Prints one JSON line: images/s, forward and backward ms, floats cached for backward, peak RSS in MB.
 */
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { benchTrainStep, type TrainBenchCase } from './train-bench.js';

const arg = process.argv[2];
if (arg === undefined) {
  process.stderr.write('memory-probe: expected one JSON argument (a TrainBenchCase plus "threads")\n');
  process.exit(2);
}
const c = JSON.parse(arg) as TrainBenchCase & { threads?: number };
const k = await createKernels('wasm', { threads: c.threads });
try {
  const r = benchTrainStep(k, c);
  process.stdout.write(`${JSON.stringify({ ...r, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
} finally {
  disposeKernels(k);
}
