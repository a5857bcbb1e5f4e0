import { SpikerepError } from '../errors.js';
import { exportNir } from '../export/nir-export.js';
import { writeNir } from '../export/nir-h5.js';
import { graphForTarget } from '../export/target-list.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { modelFromCheckpoint } from '../train/state.js';
import { resolveCheckpoint } from './checkpoint-arg.js';
import { type CommandRun, EXPORT_OPTIONS } from './command-options.js';
import { exportTorch } from './export-torch.js';
import { parseOptions } from './options.js';
import { checkWritable } from './train.js';

/**
 * `spikerep export --checkpoint C --format nir --out model.nir [--target speck]`: the trained network as a NIR graph;
 * with a target, in its integer format once every constraint is met (export/target-list.ts).
 * `spikerep export --format torch --recipe R [--checkpoint C] --out DIR`: a standalone PyTorch project (export-torch.ts).
 */
export async function run({ values, io }: CommandRun): Promise<void> {
  const o = parseOptions(EXPORT_OPTIONS, values);
  if (o.format === 'torch') {
    for (const [flag, v] of [
      ['--target', o.target],
      ['--dt', o.dt],
    ] as const)
      if (v !== undefined) throw new SpikerepError('E_ARG', 'applies to --format nir only', flag);
    const fromCk = o.checkpoint === undefined ? undefined : resolveCheckpoint(o.checkpoint, o.last);
    if (fromCk !== undefined) refuseWritingInput('out', o.out, { 'the `checkpoint` it exports': fromCk });
    const k = await createKernels('reference');
    try {
      io.out(`${exportTorch(k, { recipe: o.recipe, checkpoint: fromCk, out: o.out })}\n`);
    } finally {
      disposeKernels(k);
    }
    return;
  }
  if (o.checkpoint === undefined)
    throw new SpikerepError('E_ARG', 'expected the run folder or checkpoint file to export', '--checkpoint');
  if (o.recipe !== undefined) throw new SpikerepError('E_ARG', 'applies to --format torch only', '--recipe');
  const checkpoint = resolveCheckpoint(o.checkpoint, o.last);
  refuseWritingInput('out', o.out, { 'the `checkpoint` it exports': checkpoint });
  checkWritable(o.out);
  const k = await createKernels('reference');
  try {
    const { net, config } = modelFromCheckpoint(k, checkpoint);
    const float = exportNir(net, {
      dt: o.dt,
      metadata: { dataset: config.dataset, normalized: config.encoder === 'direct' ? 1 : 0, model: config.model },
    });
    // checked before anything is written: a network that does not fit throws every violation (TargetRefusal)
    const graph = o.target === undefined ? float : graphForTarget(float, o.target);
    await writeNir(graph, o.out);
    const counts: Record<string, number> = {};
    for (const n of Object.values(graph.nodes)) counts[n.type] = (counts[n.type] ?? 0) + 1;
    const summary = Object.entries(counts)
      .map(([t, c]) => `${c} ${t}`)
      .join(', ');
    const format = o.target === undefined ? '' : `, ${o.target}: 8-bit integer weights`;
    io.out(`wrote ${o.out}: ${Object.keys(graph.nodes).length} nodes (${summary}), T=${net.T}${format}\n`);
  } finally {
    disposeKernels(k);
  }
}
