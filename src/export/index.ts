/**
 * `spikerep/nir`: NIR export and import. Kept out of the package root so that importing spikerep does not load
 * h5wasm; see docs/nir.md for the conventions written into the graph.
 */
export { exportNir, NIR_DEFAULT_DT } from './nir-export.js';
export type { NirExportOptions } from './nir-export.js';
export { importNir } from './nir-import.js';
export type { NirImportOptions, ImportedNetwork } from './nir-import.js';
export { writeNir, readNir } from './nir-h5.js';
export { NIR_VERSION } from './nir-graph.js';
export type { NirGraph, NirNode, NirGraphNode, NirArray, NirMetadata } from './nir-graph.js';
export { predictDataset, agreement } from './predictions.js';
