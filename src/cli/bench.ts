import { gradModeOf } from '../train/config.js';
import { BENCH_OPTIONS, type CommandRun } from './command-options.js';
import { parseOptions } from './options.js';

/** `spikerep bench`: kernels, the neuron step and training throughput (src/bench/run.ts), or --profile (src/bench/profile-run.ts). */
export async function run({ values }: CommandRun): Promise<void> {
  const o = parseOptions(BENCH_OPTIONS, values);
  if (o.profile) {
    const { runProfile } = await import('../bench/profile-run.js');
    await runProfile({
      backends: o.backend,
      threads: o.threads,
      json: o.json,
      c: {
        model: o.model,
        neuron: o.neuron,
        T: o.T,
        batch: o.batchSize,
        gradMode: gradModeOf({ gradMode: o.gradMode, neuron: o.neuron, model: o.model, dropout: undefined }),
        steps: o.steps ?? 10,
      },
    });
    return;
  }
  const { runBench } = await import('../bench/run.js');
  await runBench({
    quick: o.quick,
    sweep: o.tSweep,
    json: o.json,
    backends: o.backend,
    threads: o.threads,
    steps: o.steps,
    only: o.only,
  });
}
