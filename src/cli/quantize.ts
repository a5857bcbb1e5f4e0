import type { Dataset } from '../data/dataset.js';
import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { deployForTarget } from '../export/target-deploy.js';
import { TARGETS } from '../export/target-list.js';
import type { TargetName } from '../export/target-names.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { Kernels } from '../kernels/kernels.js';
import { networkTensors, tensorsToHost } from '../nn/host-access.js';
import type { WeightBits } from '../nn/quant.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import type { TrainConfig } from '../train/config.js';
import { datasetOptions } from '../train/dataset-options.js';
import { evaluate } from '../train/loop.js';
import { postQuantize } from '../train/post-quantize.js';
import { requireSamples } from '../train/samples.js';
import { modelFromCheckpoint, parseRunMeta } from '../train/state.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, QUANTIZE_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable, writeJson } from './result-file.js';

/**
 * `spikerep quantize --checkpoint C --weight-bits N --out Q.ckpt`: post-training quantisation (train/post-quantize.ts).
 * The quantised checkpoint is an ordinary one whose config asks for N-bit weights, so eval, export and resumed
 * quantisation-aware training read it as they read any other.
 */
export async function run({ values, io, argv }: CommandRun): Promise<void> {
  const o = parseOptions(QUANTIZE_OPTIONS, values);
  const checkpoint = resolveCheckpoint(o.checkpoint, o.last);
  refuseWritingInput('out', o.out, { 'the `checkpoint` it quantises': checkpoint });
  refuseWritingInput('json', o.json, { 'the `checkpoint` it quantises': checkpoint, 'the `out` checkpoint': o.out });
  checkWritable(o.out);
  if (o.json !== undefined) checkWritable(o.json);
  if ((o.weightBits === undefined) === (o.target === undefined))
    throw new SpikerepError(
      'E_ARG',
      o.target === undefined
        ? 'give --weight-bits 8|4|2, or --target <chip> to deploy for a chip'
        : 'give --weight-bits or --target, not both: a target sets its own weight bits',
      o.target === undefined ? 'weight-bits' : 'target',
    );
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    if (o.target !== undefined) {
      await deploy(k, { ...o, checkpoint }, o.target, io, argv);
      return;
    }
    const { net: float, config } = modelFromCheckpoint(k, checkpoint);
    if (config.weightBits !== undefined)
      throw new SpikerepError(
        'E_ARG',
        `already runs on ${config.weightBits}-bit weights: quantise the float checkpoint it came from`,
        checkpoint,
      );
    const dataDir = o.dataDir ?? config.dataDir;
    const test = await testSet(config, o);
    const train =
      o.calibrateBatches > 0 ? await openDataset(config.dataset, 'train', datasetOptions(config, dataDir)) : test;
    if (o.calibrateBatches > 0) requireSamples(train, 'train on', dataDir);
    const quant = { bits: o.weightBits as WeightBits, scale: o.quantScale };
    const { net, thresholds } = postQuantize(k, float, config, train, {
      quant,
      batches: o.calibrateBatches,
      batchSize: config.batchSize,
      percentile: o.calibrateVth,
      seed: config.seed,
    });
    const qConfig = { ...config, weightBits: quant.bits, quantScale: quant.scale };
    const floatAcc = evaluate(k, float, test, config, false).accuracy;
    const quantAcc = evaluate(k, net, test, qConfig, false).accuracy;
    const pct = (a: number): string => `${(a * 100).toFixed(2)}%`;
    const recal =
      o.calibrateBatches > 0
        ? `thresholds recalibrated on ${o.calibrateBatches} training batches`
        : 'trained thresholds kept';
    io.out(
      `test accuracy float ${pct(floatAcc)}, ${quant.bits}-bit weights (per-${quant.scale} scales) ${pct(quantAcc)} on ${test.length} ${config.dataset} test images; ${recal}\n`,
    );
    const ck = loadCheckpoint<unknown>(checkpoint);
    const meta = parseRunMeta(ck.meta, checkpoint);
    const quantization = {
      weightBits: quant.bits,
      quantScale: quant.scale,
      from: checkpoint,
      calibrateBatches: o.calibrateBatches,
      percentile: o.calibrateVth,
      thresholds,
    };
    saveCheckpoint(o.out, { ...meta, config: qConfig, quantization }, tensorsToHost(k, networkTensors(net)));
    if (!o.quiet) io.out(`wrote ${o.out}\n`);
    if (o.json !== undefined) {
      const result = {
        command: ['spikerep', ...argv].join(' '),
        checkpoint: checkpoint,
        out: o.out,
        dataset: config.dataset,
        samples: test.length,
        floatAccuracy: floatAcc,
        quantizedAccuracy: quantAcc,
        ...quantization,
      };
      writeJson(o.json, result, `${o.out} was written`);
      if (!o.quiet) io.out(`wrote ${o.json}\n`);
    }
  } finally {
    disposeKernels(k);
  }
}

type QuantizeOptions = ReturnType<typeof parseOptions<typeof QUANTIZE_OPTIONS>>;

/**
 * `quantize --target CHIP`: the checkpoint made into exactly what the chip runs (export/target-deploy.ts), saved as
 * a float checkpoint whose values lie on the chip's integer grid (no quantiser runs on it again), evaluated before
 * and after on the test set. Its export for the same target writes the same integers.
 */
async function deploy(
  k: Kernels,
  o: QuantizeOptions,
  target: TargetName,
  io: CommandRun['io'],
  argv: readonly string[],
): Promise<void> {
  const { net, config } = modelFromCheckpoint(k, o.checkpoint);
  const test = await testSet(config, o);
  const floatAcc = evaluate(k, net, test, config, false).accuracy;
  const { layers } = deployForTarget(net, target);
  const { weightBits: _bits, ...deployedConfig } = config;
  const ck = loadCheckpoint<unknown>(o.checkpoint);
  const meta = parseRunMeta(ck.meta, o.checkpoint);
  const spec = TARGETS[target];
  const deployment = { target, weightBits: spec.weightBits, from: o.checkpoint, layers };
  saveCheckpoint(o.out, { ...meta, config: deployedConfig, deployment }, tensorsToHost(k, networkTensors(net)));
  // evaluated as any user will load it: from the file
  const back = modelFromCheckpoint(k, o.out);
  const deployedAcc = evaluate(k, back.net, test, back.config, false).accuracy;
  const pct = (a: number): string => `${(a * 100).toFixed(2)}%`;
  io.out(
    `test accuracy float ${pct(floatAcc)}, deployed for ${spec.title} (${spec.weightBits}-bit integer weights, whole-step thresholds) ${pct(deployedAcc)} on ${test.length} ${config.dataset} test images\n`,
  );
  if (!o.quiet) io.out(`wrote ${o.out}\n`);
  if (o.json !== undefined) {
    const result = {
      command: ['spikerep', ...argv].join(' '),
      checkpoint: o.checkpoint,
      out: o.out,
      dataset: config.dataset,
      samples: test.length,
      floatAccuracy: floatAcc,
      deployedAccuracy: deployedAcc,
      ...deployment,
    };
    writeJson(o.json, result, `${o.out} was written`);
    if (!o.quiet) io.out(`wrote ${o.json}\n`);
  }
}

/** The test images both accuracies are measured on: the run's test set, its first --test-limit images. */
async function testSet(config: TrainConfig, o: QuantizeOptions): Promise<Dataset> {
  const dataDir = o.dataDir ?? config.dataDir;
  const test = await openDataset(config.dataset, 'test', datasetOptions(config, dataDir));
  requireSamples(test, 'evaluate', dataDir);
  return o.testLimit !== undefined && o.testLimit < test.length ? subset(test, o.testLimit) : test;
}
