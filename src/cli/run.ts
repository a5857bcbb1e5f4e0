import { basename, dirname, join } from 'node:path';
import { SpikerepError } from '../errors.js';
import type { NirGraphProgram } from '../export/nir-graph-run.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, RUN_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable, writeJson } from './result-file.js';
import { loadRunnable } from './run-model.js';
import { type RecordKind, runStepsInBatches, type StepRun, type StepTrace } from './run-steps.js';

/**
 * `spikerep run GRAPH --input IN.npy --out OUT.npy`: a NIR graph or a checkpoint run on the user's own time series,
 * T taken from the input's first axis; the output layer's spikes per step go to OUT.npy, and with --record each
 * neuron layer's traces to OUT.<node>.<kind>.npy, listed in OUT.traces.json.
 */
export async function run({ args, values, io }: CommandRun): Promise<void> {
  const o = parseOptions(RUN_OPTIONS, values);
  const file = resolveCheckpoint(args[0]!, o.last, 'graph');
  refuseWritingInput('--out', o.out, { 'the graph it runs': file, 'the --input file': o.input });
  checkWritable(o.out);
  const x = readNpy(o.input, '--input');
  const T = x.shape[0];
  if (T === undefined || T < 1)
    throw new SpikerepError(
      'E_SHAPE',
      `expected [T, …] with T ≥ 1 steps on the first axis, got [${x.shape.join(', ')}]`,
      '--input',
    );
  const record: RecordKind[] =
    o.record === undefined ? [] : o.record === 'all' ? ['membrane', 'spikes'] : [o.record as RecordKind];
  const k = await createKernels(o.backend, { threads: o.threads });
  try {
    const nirFlags = { dt: o.dt, ifR: o.ifR, tauUnit: o.tauUnit, reset: o.reset, compare: o.compare };
    const model = await loadRunnable(k, file, T, nirFlags);
    if (model.kind === 'checkpoint') refuseNirFlags(nirFlags);
    const S = model.sampleShape;
    const single = x.shape.length === S.length + 1 && S.every((d, i) => x.shape[i + 1] === d);
    const batched = x.shape.length === S.length + 2 && S.every((d, i) => x.shape[i + 2] === d);
    if (!(single || batched) || (batched && x.shape[1] === 0)) {
      const what = model.kind === 'nir' ? 'this graph' : 'this checkpoint';
      throw new SpikerepError(
        'E_SHAPE',
        `expected [T, ${S.join(', ')}] or [T, B, ${S.join(', ')}] for ${what}, got [${x.shape.join(', ')}]`,
        '--input',
      );
    }
    const B = single ? 1 : x.shape[1]!;
    const r =
      model.program === null
        ? runStepsInBatches(model.net, x.data, B, record, o.batchSize)
        : runProgram(model.program, x.data, x.shape, record);
    const shapeOut = (shape: readonly number[]): number[] => (single ? [shape[0]!, ...shape.slice(2)] : [...shape]);
    writeNpy(o.out, shapeOut(r.output.shape), r.output.data, 'the output file');
    const stem = join(dirname(o.out), basename(o.out).replace(/\.npy$/i, ''));
    const written = r.traces.map((t) => {
      const path = `${stem}.${safeName(t.node)}.${t.kind}.npy`;
      writeNpy(path, shapeOut(t.shape), t.data, 'a trace file');
      return { node: t.node, kind: t.kind, file: basename(path), path, shape: shapeOut(t.shape) };
    });
    const lines = [
      `ran ${file} (${model.kind === 'nir' ? 'NIR graph' : 'checkpoint'}) for T=${T} steps on ${B} sample${B === 1 ? '' : 's'}`,
      `wrote ${o.out} [${shapeOut(r.output.shape).join(', ')}]`,
    ];
    if (record.length > 0) {
      const index = `${stem}.traces.json`;
      writeJson(
        index,
        { output: basename(o.out), T, batch: single ? null : B, traces: written.map(({ path: _, ...t }) => t) },
        'the output is written',
      );
      for (const t of written) lines.push(`wrote ${t.path} [${t.shape.join(', ')}]`);
      lines.push(`wrote ${index}: the ${written.length} traces`);
    }
    io.out(`${(o.quiet ? lines.slice(0, 1) : lines).join('\n')}\n`);
  } finally {
    disposeKernels(k);
  }
}

/** Node names as file-name parts: path separators and other odd characters become '_'. */
function safeName(node: string): string {
  return node.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function refuseNirFlags(f: { dt?: number; ifR: string; tauUnit: string; reset: string; compare?: string }): void {
  const given = [
    f.dt !== undefined && '--dt',
    f.ifR !== 'auto' && '--if-r',
    f.tauUnit !== 'auto' && '--tau-unit',
    f.reset !== 'auto' && '--reset',
    f.compare !== undefined && '--compare',
  ].filter((s): s is string => s !== false);
  if (given.length > 0)
    throw new SpikerepError(
      'E_ARG',
      'applies to NIR graphs only: a checkpoint carries its own neuron settings',
      given.join(', '),
    );
}

/**
 * A graph only the executor runs: its Output every step, and its spiking nodes' outputs or membranes as traces,
 * shaped [T, B, …] like runSteps' (one sample gets B = 1).
 */
function runProgram(
  program: NirGraphProgram,
  x: Float32Array,
  shape: readonly number[],
  record: RecordKind[],
): StepRun {
  const want = record.length === 2 ? 'all' : (record[0] ?? 'none');
  const r = program.run(x, shape, want, '--input');
  const single = shape.length === program.inputShape.length + 1;
  const withBatch = (s: readonly number[]): number[] => (single ? [s[0]!, 1, ...s.slice(1)] : [...s]);
  const traces: StepTrace[] = r.traces.map((t) => ({
    node: t.node,
    kind: t.kind === 'output' ? 'spikes' : 'membrane',
    shape: withBatch(t.shape),
    data: t.data,
  }));
  return { output: { shape: withBatch(r.shape), data: r.output }, traces };
}
