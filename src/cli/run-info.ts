/**
 * What a result JSON records about how and where it was made, besides the settings: the spikerep version, the
 * date, and the machine (CPU model and cores, memory, Node, platform). The report prints it in its header.
 */
import os from 'node:os';
import { packageVersion } from '../version.js';

export interface RunInfo {
  version: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
}

export function runInfo(now = new Date()): RunInfo {
  return {
    version: packageVersion(),
    date: now.toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
  };
}
