/** `spikerep bench --profile`: the profile of one training step on each backend × thread count asked for. */
import os from 'node:os';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName } from '../kernels/kernels.js';
import { type ProfileResult, profileTable, profileTrainStep } from './profile.js';
import { machineInfo } from './report.js';
import type { TrainBenchCase } from './train-bench.js';

export interface ProfileOptions {
  backends: string[];
  threads?: number[];
  json?: string;
  c: TrainBenchCase;
}

export async function runProfile(o: ProfileOptions): Promise<ProfileResult[]> {
  const threadList = o.threads ?? [...new Set([1, os.availableParallelism()])];
  const results: ProfileResult[] = [];
  for (const backend of o.backends) {
    // per-kernel times on webgpu would need the device's timestamps: a host timer sees only the recording
    if (backend !== 'wasm' && backend !== 'reference' && backend !== 'native')
      throw new SpikerepError('E_ARG', `--profile runs on native, wasm and/or reference, got ${backend}`, '--backend');
    for (const threads of backend === 'reference' ? [1] : threadList) {
      const k = await createKernels(backend as BackendName, { threads });
      try {
        // the reference backend's plain loops take seconds a step and minutes over the ceiling shapes: one
        // warm-up, one timed step and no ceilings there, as its training bench rows do
        const p =
          backend === 'reference' ? profileTrainStep(k, { ...o.c, warmup: 1, steps: 1 }, {}) : profileTrainStep(k, o.c);
        process.stdout.write(`${profileTable(p)}\n\n`);
        results.push(p);
      } finally {
        disposeKernels(k);
      }
    }
  }
  if (o.json !== undefined) {
    const text = `${JSON.stringify({ machine: machineInfo(), profiles: results }, null, 2)}\n`;
    writeFileAtomic(o.json, text, { what: 'the profile' });
    process.stdout.write(`wrote ${o.json}\n`);
  }
  return results;
}
