import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { evaluate } from '../train/loop.js';
import { requireSamples } from '../train/samples.js';
import { modelFromCheckpoint } from '../train/state.js';
import { type CommandRun, EVAL_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable, writeJson } from './train.js';

/** `spikerep eval --checkpoint C`: a checkpoint's accuracy and metrics on its test set. */
export async function run({ values, io }: CommandRun): Promise<void> {
  const o = parseOptions(EVAL_OPTIONS, values);
  refuseWritingInput('json', o.json, { 'the `checkpoint` it evaluates': o.checkpoint });
  if (o.json !== undefined) checkWritable(o.json);
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    const { net, config } = modelFromCheckpoint(k, o.checkpoint);
    let test = await openDataset(config.dataset, 'test', {
      dataDir: o.dataDir ?? config.dataDir,
      normalize: config.encoder === 'direct',
      T: config.T,
    });
    requireSamples(test, 'evaluate', o.dataDir ?? config.dataDir);
    if (o.testLimit !== undefined && o.testLimit < test.length) test = subset(test, o.testLimit);
    const { accuracy, metrics } = evaluate(k, net, test, config, true);
    const result = {
      checkpoint: o.checkpoint,
      testAccuracy: accuracy,
      samples: test.length,
      T: net.T,
      neuron: config.neuron,
      dataset: config.dataset,
      ...metrics,
    };
    io.out(
      `test accuracy ${(accuracy * 100).toFixed(2)}% on ${test.length} ${config.dataset} test images (${config.neuron}, T=${net.T})\n`,
    );
    if (o.json !== undefined) writeJson(o.json, result, 'the result above was printed');
  } finally {
    disposeKernels(k);
  }
}
