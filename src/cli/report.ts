import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { collectReport, readRunJson, writeReport } from '../report/collect.js';
import { parseTSweep } from '../train/smallest-t.js';
import { type CommandRun, REPORT_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable } from './result-file.js';

/** `spikerep report RUN.json --out report.html`: one self-contained HTML page with the run's charts. */
export async function run({ args, values, io }: CommandRun): Promise<void> {
  const o = parseOptions(REPORT_OPTIONS, values);
  const tSweep = o.tSweep === undefined ? undefined : parseTSweep(o.tSweep, '--t-sweep');
  refuseWritingInput('out', o.out, { 'the run JSON it reads': args[0], 'the `checkpoint` it reads': o.checkpoint });
  checkWritable(o.out);
  const runJson = readRunJson(args[0]!);
  await buildReport(runJson, o.out, { ...o, tSweep });
  io.out(`wrote ${o.out}\n`);
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
