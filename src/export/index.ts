/**
 * `spikerep/nir`: NIR export and import. Kept out of the package root so that importing spikerep does not load
 * h5wasm; see docs/nir.md for the conventions written into the graph.
 */

export type { NirExportOptions } from './nir-export.js';
export { exportNir, NIR_DEFAULT_DT } from './nir-export.js';
export type { NirArray, NirGraph, NirGraphNode, NirMetadata, NirNode } from './nir-graph.js';
export { NIR_VERSION } from './nir-graph.js';
export type { NirRecord, NirRunResult, NirTrace } from './nir-graph-run.js';
export { NirGraphProgram } from './nir-graph-run.js';
export { readNir, writeNir } from './nir-h5.js';
export type { ImportedNetwork, NirImportOptions } from './nir-import.js';
export { importNir, loadNirProgram } from './nir-import.js';
export { agreement, predictDataset } from './predictions.js';
