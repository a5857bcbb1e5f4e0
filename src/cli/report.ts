import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { collectReport, readRunJson, writeReport } from '../report/collect.js';
import { collectComparison } from '../report/compare.js';
import { compareHtml } from '../report/compare-html.js';
import { tuneReportHtml } from '../report/tune-html.js';
import { parseTSweep } from '../train/smallest-t.js';
import { readTuneState, STATE_FILE, statePath } from '../tune/state-file.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, REPORT_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable } from './result-file.js';

/**
 * `spikerep report RUN.json --out report.html`: one self-contained HTML page with the run's charts;
 * `spikerep report A.json B.json … --out cmp.html`: the runs compared.
 */
export async function run({ args, values, io }: CommandRun): Promise<void> {
  const parsed = parseOptions(REPORT_OPTIONS, values);
  const o = { ...parsed, checkpoint: reportCheckpoint(args[0]!, parsed.checkpoint, parsed.last) };
  const tSweep = o.tSweep === undefined ? undefined : parseTSweep(o.tSweep, '--t-sweep');
  refuseWritingInput('out', o.out, {
    ...Object.fromEntries(args.map((a, i) => [`the run JSON it reads${args.length > 1 ? ` (${i + 1})` : ''}`, a])),
    'the `checkpoint` it reads': o.checkpoint,
  });
  checkWritable(o.out);
  if (args.length > 1) {
    await compareRuns(args, o.out, { ...o, tSweep });
    io.out(`wrote ${o.out} (${args.length} runs compared)\n`);
    return;
  }
  const tune = tuneStateOf(args[0]!);
  if (tune !== undefined) {
    writeFileAtomic(o.out, tuneReportHtml(readTuneState(tune), args[0]!), { what: 'the report' });
    if (!o.quiet) io.out(`wrote ${o.out}\n`);
    return;
  }
  const runJson = readRunJson(args[0]!);
  await buildReport(runJson, o.out, { ...o, tSweep });
  if (!o.quiet) io.out(`wrote ${o.out}\n`);
}

/** --checkpoint as every command reads it; without one, --last picks the run's own last.ckpt (its best.ckpt is the default). */
function reportCheckpoint(runArg: string, given: string | undefined, last: boolean): string | undefined {
  if (given !== undefined) return resolveCheckpoint(given, last);
  if (!last || tuneStateOf(runArg) !== undefined) return undefined;
  const dir = readRunJson(runArg).config?.checkpointDir;
  if (dir === undefined)
    throw new SpikerepError(
      'E_ARG',
      "picks the run folder's last.ckpt, and the run had no --checkpoint: pass --checkpoint",
      '--last',
    );
  return resolveCheckpoint(dir, true);
}

/** A `spikerep tune` folder (or its tune.json) gives the search report instead of a run's. */
function tuneStateOf(arg: string): string | undefined {
  if (statSync(arg, { throwIfNoEntry: false })?.isDirectory() === true) {
    if (existsSync(statePath(arg))) return statePath(arg);
    throw new SpikerepError(
      'E_ARG',
      `a folder without ${STATE_FILE}: expected a train --json result or a tune folder`,
      arg,
    );
  }
  return basename(arg) === STATE_FILE ? arg : undefined;
}

/** Several runs on one page: their accuracy against T (from each run's best.ckpt) and energy, as tables. */
async function compareRuns(paths: readonly string[], out: string, o: ReportSettings): Promise<void> {
  if (o.checkpoint !== undefined)
    throw new SpikerepError(
      'E_ARG',
      'names one checkpoint: with several runs each run’s own best.ckpt is used',
      'checkpoint',
    );
  if (o.sample !== undefined)
    throw new SpikerepError('E_ARG', 'picks the raster image of one run: not with several runs', 'sample');
  for (const p of paths)
    if (tuneStateOf(p) !== undefined)
      throw new SpikerepError('E_ARG', 'a tune search cannot be compared with runs: report it on its own', p);
  const runs = paths.map((path) => ({ path, run: readRunJson(path) }));
  const k = await createKernels(o.backend ?? 'wasm');
  try {
    const data = await collectComparison(k, runs, { tSweep: o.tSweep, sweepLimit: o.sweepLimit, dataDir: o.dataDir });
    writeFileAtomic(out, compareHtml(data), { what: 'the comparison' });
  } finally {
    disposeKernels(k);
  }
}

export interface ReportSettings {
  checkpoint?: string;
  sample?: number;
  tSweep?: number[];
  sweepLimit?: number;
  within?: number;
  dataDir?: string;
  backend?: BackendName;
  /** What the error line says survived when the page cannot be written. */
  kept?: string;
}

/** Shared by `report` and `train --report`. */
export async function buildReport(
  run: ReturnType<typeof readRunJson>,
  out: string,
  o: ReportSettings = {},
): Promise<void> {
  const k = await createKernels(o.backend ?? 'wasm');
  try {
    const data = await collectReport(k, run, {
      checkpoint: o.checkpoint,
      sample: o.sample,
      tSweep: o.tSweep,
      sweepLimit: o.sweepLimit,
      within: o.within,
      dataDir: o.dataDir,
    });
    writeReport(out, data, o.kept);
  } finally {
    disposeKernels(k);
  }
}
