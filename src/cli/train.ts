import { join } from 'node:path';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { effectiveSettings, TRAIN_FIELDS, type TrainConfig, validateConfig } from '../train/config.js';
import { type TrainResult, train } from '../train/loop.js';
import { makeProgress } from '../train/progress.js';
import { loadRecipe, resolveConfig } from '../train/recipe.js';
import { type CommandRun, TRAIN_EXTRAS } from './command-options.js';
import { parseOptions } from './options.js';
import { buildReport } from './report.js';
import { checkWritable, writeJson } from './result-file.js';
import { runInfo } from './run-info.js';

export { checkWritable, writeJson } from './result-file.js';

/** `spikerep train`: the defaults, then --recipe, then the flags; checked before any thread or file is touched. */
export async function run({ values, io, argv }: CommandRun): Promise<void> {
  const o = parseOptions(TRAIN_EXTRAS, pick(values, TRAIN_EXTRAS));
  const cfg = validateConfig(
    resolveConfig(o.recipe === undefined ? undefined : loadRecipe(o.recipe), settingsFromFlags(values, o.full)),
  );
  if (o.printConfig) {
    io.out(`${JSON.stringify({ config: cfg, effective: effectiveSettings(cfg) }, null, 2)}\n`);
    return;
  }
  const dir = cfg.checkpointDir;
  const ownFiles = {
    'the `recipe`': o.recipe,
    'the run’s last.ckpt': dir === undefined ? undefined : join(dir, 'last.ckpt'),
    'the run’s best.ckpt': dir === undefined ? undefined : join(dir, 'best.ckpt'),
  };
  refuseWritingInput('json', o.json, ownFiles);
  refuseWritingInput('report', o.report, { ...ownFiles, 'the `json` result': o.json });
  if (o.json !== undefined) checkWritable(o.json); // before hours of training, not after
  if (o.report !== undefined) checkWritable(o.report);
  const command = ['spikerep', ...argv].join(' ');
  const started = runInfo();
  const result = await runTraining(cfg, { quiet: o.quiet });
  // the result first: a file that cannot be written at the end must not take the printed result with it
  io.out(summary(result));
  const kept = `the result above was printed${dir === undefined ? '' : `; best.ckpt and last.ckpt in ${dir} are intact`}`;
  if (o.json !== undefined) writeJson(o.json, { command, ...started, ...result }, kept);
  if (o.report !== undefined) {
    await buildReport({ command, ...started, ...result }, o.report, {
      backend: cfg.backend,
      dataDir: cfg.dataDir,
      kept,
    });
    io.out(`wrote ${o.report}\n`);
  }
}

/** The training settings given on the command line; `--full` lifts the train limit. */
export function settingsFromFlags(values: Record<string, unknown>, full = false): Partial<TrainConfig> {
  const out = pick(values, TRAIN_FIELDS) as Partial<TrainConfig>;
  if (full) out.trainLimit = undefined;
  return out;
}

function pick(values: Record<string, unknown>, fields: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => Object.hasOwn(fields, k)));
}

export async function runTraining(cfg: TrainConfig, o: { quiet: boolean }): Promise<TrainResult> {
  validateConfig(cfg);
  const k = await createKernels(cfg.backend, { threads: cfg.threads });
  try {
    return await train(k, cfg, { progress: makeProgress({ quiet: o.quiet }) });
  } finally {
    disposeKernels(k);
  }
}

/** Two lines: what the run cost and did, then the result, last, where it is seen. */
function summary(r: TrainResult): string {
  const rates = r.firingRates.map((f) => f.firingRate.toFixed(3)).join(' ');
  const ran = r.history.length;
  const detail =
    `${ran} epoch${ran === 1 ? '' : 's'} × ${r.selection.trainImages} images, ${r.imagesPerSecond.toFixed(0)} img/s ` +
    `on ${r.backend}×${r.threads} | firing rates ${rates} | ${(r.synOps / 1e6).toFixed(2)} M synops, ` +
    `${(r.energyJoules * 1e6).toFixed(2)} µJ/image (ANN ${(r.annEnergyJoules * 1e6).toFixed(2)})`;
  const chosen =
    r.selection.by === 'validation'
      ? `epoch ${r.bestEpoch}/${ran} chosen on ${r.selection.images} validation images (${pct(r.valAccuracy!)})`
      : `last epoch (no validation split)`;
  return `${detail}
test accuracy ${pct(r.testAccuracy)} | ${chosen} | ${r.dataset} ${r.neuron} T=${r.T}
`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
