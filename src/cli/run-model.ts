/**
 * What `spikerep run` runs: a NIR graph (told apart by the HDF5 signature) or a spikerep checkpoint, built for the
 * T the input has. The NIR importer is reached through one function, networkFromNir, so that a change in its API
 * touches only that function.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { SpikerepError } from '../errors.js';
import type { NirGraphProgram } from '../export/nir-graph-run.js';
import { readNir } from '../export/nir-h5.js';
import { importNir, type NirImportOptions } from '../export/nir-import.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Network } from '../nn/network.js';
import { CHECKPOINT_MAGIC } from '../train/checkpoint-bytes.js';
import { modelFromCheckpoint } from '../train/state.js';
import { networkAtT } from '../train/t-sweep.js';
import { toNirShape } from './run-steps.js';

export interface RunnableModel {
  readonly net: Network;
  /** A NIR graph that only the graph executor runs (branches, cycles, foreign node types): run it directly. */
  readonly program: NirGraphProgram | null;
  readonly kind: 'nir' | 'checkpoint';
  /** One sample's input shape in NIR's layout: [C, H, W] or [F]. */
  readonly sampleShape: number[];
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Which kind of file `path` is, from its first bytes. */
export function modelFileKind(path: string): 'nir' | 'checkpoint' {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(8);
      head = head.subarray(0, readSync(fd, head, 0, 8, 0));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpikerepError('E_NOT_FOUND', 'graph file not found', path);
    throw new SpikerepError('E_IO', `cannot read the graph file (${code ?? String(e)})`, path);
  }
  if (HDF5_SIGNATURE.every((b, i) => head[i] === b)) return 'nir';
  if (head.toString('latin1') === CHECKPOINT_MAGIC) return 'checkpoint';
  throw new SpikerepError('E_FORMAT', 'neither a NIR graph (HDF5) nor a spikerep checkpoint', path);
}

/** The graph or checkpoint at `path` as a network over T steps. */
export async function loadRunnable(
  k: Kernels,
  path: string,
  T: number,
  nirOptions: Omit<NirImportOptions, 'T'>,
): Promise<RunnableModel> {
  const kind = modelFileKind(path);
  let net: Network;
  let program: NirGraphProgram | null = null;
  if (kind === 'nir') ({ net, program } = await networkFromNir(k, path, T, nirOptions));
  else {
    const { net: trained, config } = modelFromCheckpoint(k, path);
    net = networkAtT(k, trained, config, T);
  }
  const hwc = net.inputShape;
  if (hwc === undefined) throw new SpikerepError('E_FORMAT', 'the network does not say its input shape', path);
  return { net, program, kind, sampleShape: program?.inputShape.slice() ?? toNirShape(hwc) };
}

/** The adapter to the NIR importer: the file's graph as a network over T steps, and its program when only that runs it. */
async function networkFromNir(
  k: Kernels,
  path: string,
  T: number,
  opts: Omit<NirImportOptions, 'T'>,
): Promise<{ net: Network; program: NirGraphProgram | null }> {
  const graph = await readNir(path);
  const imported = importNir(k, graph, { ...opts, T }, path);
  for (const w of imported.warnings) process.stderr.write(`spikerep: ${w}\n`);
  return { net: imported.net, program: imported.engine === 'graph' ? imported.program : null };
}
