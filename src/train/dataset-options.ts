/**
 * How a run's datasets open (data/registry.ts options) from its settings, in one place: every command that
 * evaluates a run must see the samples it trained on — the same normalisation, T and signal encoder.
 */
import type { OpenOptions } from '../data/registry.js';
import type { TrainConfig } from './config.js';

export function datasetOptions(config: TrainConfig, dataDir: string | undefined = config.dataDir): OpenOptions {
  return {
    dataDir,
    normalize: config.encoder === 'direct',
    T: config.T,
    ...(config.signalEncoder !== undefined ? { signalEncoder: config.signalEncoder } : {}),
  };
}
