/**
 * What a result JSON records about how and where it was made, besides the settings: the spikerep version, the
 * date, and the machine (CPU model and cores, memory, Node, platform). The report prints it in its header.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface RunInfo {
  version: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
}

/** The package's version, read from its package.json (two folders up from src/cli and from dist/cli). */
export function spikerepVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function runInfo(now = new Date()): RunInfo {
  return {
    version: spikerepVersion(),
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
