import { exportNir } from '../export/nir-export.js';
import { writeNir } from '../export/nir-h5.js';
import { refuseWritingInput } from '../io/same-file.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import { modelFromCheckpoint } from '../train/state.js';
import { type CommandRun, EXPORT_OPTIONS } from './command-options.js';
import { parseOptions } from './options.js';
import { checkWritable } from './train.js';

/** `spikerep export --checkpoint C --format nir --out model.nir`: the trained network as a NIR graph. */
export async function run({ values, io }: CommandRun): Promise<void> {
  const o = parseOptions(EXPORT_OPTIONS, values);
  refuseWritingInput('out', o.out, { 'the `checkpoint` it exports': o.checkpoint });
  checkWritable(o.out);
  const k = await createKernels('reference');
  try {
    const { net, config } = modelFromCheckpoint(k, o.checkpoint);
    const graph = exportNir(net, {
      dt: o.dt,
      metadata: { dataset: config.dataset, normalized: config.encoder === 'direct' ? 1 : 0, model: config.model },
    });
    await writeNir(graph, o.out);
    const counts: Record<string, number> = {};
    for (const n of Object.values(graph.nodes)) counts[n.type] = (counts[n.type] ?? 0) + 1;
    const summary = Object.entries(counts)
      .map(([t, c]) => `${c} ${t}`)
      .join(', ');
    io.out(`wrote ${o.out}: ${Object.keys(graph.nodes).length} nodes (${summary}), T=${net.T}\n`);
  } finally {
    disposeKernels(k);
  }
}
