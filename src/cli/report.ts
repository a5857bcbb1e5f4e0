import type { Command } from 'commander';
import { SpikerepError } from '../errors.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { collectReport, readRunJson, writeReport } from '../report/collect.js';
import { int } from './options.js';
import { checkWritable } from './result-file.js';

interface ReportFlags { out: string; checkpoint?: string; sample?: number; tSweep?: string; sweepLimit?: number; dataDir?: string; backend: BackendName }

/** `spikerep report RUN.json --out report.html`: one self-contained HTML page with the run's charts. */
export function addReportCommand(program: Command): void {
  program
    .command('report <run-json>')
    .description('write a self-contained HTML report of a run (train --json): curves, rates, thresholds, spike raster, accuracy vs T, energy')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--checkpoint <file>', 'checkpoint for the raster and the T sweep (default: best.ckpt of the run)')
    .option('--sample <i>', 'test sample shown in the raster (default 0)', (t: string) => int(t, '--sample'))
    .option('--t-sweep <list>', 'T values for accuracy against T, e.g. 1,2,4,8 (default 1, 2, T/2, T, 2T)')
    .option('--sweep-limit <n>', 'test images per T in the sweep (default 200)', (t: string) => int(t, '--sweep-limit'))
    .option('--data-dir <dir>', 'folder with the dataset files, instead of the default place')
    .option('--backend <name>', 'wasm | reference', 'wasm')
    .action(async (runJson: string, flags: ReportFlags) => {
      checkWritable(flags.out);
      const run = readRunJson(runJson);
      await buildReport(run, flags.out, flags);
      process.stdout.write(`wrote ${flags.out}\n`);
    });
}

export function parseTList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').filter((s) => s.trim() !== '').map((s) => int(s, '--t-sweep'));
  if (list.some((t) => t < 1)) throw new SpikerepError('E_ARG', `T values must be ≥ 1, got ${text}`, '--t-sweep');
  return list;
}

/** Shared by `report` and `train --report`. */
export async function buildReport(run: ReturnType<typeof readRunJson>, out: string, flags: Partial<ReportFlags> = {}): Promise<void> {
  const k = await createKernels(flags.backend ?? 'wasm');
  try {
    const data = await collectReport(k, run, {
      checkpoint: flags.checkpoint, sample: flags.sample, tSweep: parseTList(flags.tSweep), sweepLimit: flags.sweepLimit, dataDir: flags.dataDir,
    });
    writeReport(out, data);
  } finally {
    disposeKernels(k);
  }
}
