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
import { summaryWidth, trainSummary } from './train-summary.js';

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
  if (dir !== undefined && !o.quiet) io.out(checkpointLines(dir, result));
  // the result first: a file that cannot be written at the end must not take the printed result with it
  io.out(`${trainSummary(result, summaryWidth(process.stdout))}\n`);
  const kept = `the result above was printed${dir === undefined ? '' : `; best.ckpt and last.ckpt in ${dir} are intact`}`;
  if (o.json !== undefined) {
    writeJson(o.json, { command, ...started, ...result }, kept);
    if (!o.quiet) io.out(`wrote ${o.json}\n`);
  }
  if (o.report !== undefined) {
    await buildReport({ command, ...started, ...result }, o.report, {
      backend: cfg.backend,
      dataDir: cfg.dataDir,
      kept,
    });
    if (!o.quiet) io.out(`wrote ${o.report}\n`);
  }
}

/** Where the run's checkpoints are, the one later commands read by default first. */
function checkpointLines(dir: string, r: TrainResult): string {
  // the path once per line: a terminal wraps a long path, and nothing else on the line should make it wrap
  return `wrote ${join(dir, 'best.ckpt')} (epoch ${r.bestEpoch}: what --checkpoint <run folder> reads)\nwrote ${join(dir, 'last.ckpt')} (epoch ${r.history.length})\n`;
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
