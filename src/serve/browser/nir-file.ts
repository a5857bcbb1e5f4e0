/**
 * A NIR graph as the bytes of a NIR (HDF5) file, written with h5wasm's browser build into its in-memory file
 * system. Bundled on its own (nir-file.js, several MB): the training worker imports it only when asked for NIR.
 */
import h5wasm from 'h5wasm';
import type { NirGraph } from '../../export/nir-graph.js';
import { writeNirFile } from '../../export/nir-h5-write.js';

export async function nirFileBytes(graph: NirGraph): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = `/spikerep-${Date.now()}.nir`;
  writeNirFile(h5wasm, graph, path);
  try {
    return FS.readFile(path);
  } finally {
    FS.unlink(path);
  }
}
