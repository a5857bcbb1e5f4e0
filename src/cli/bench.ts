import type { Command } from 'commander';
import { int } from './options.js';

export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure kernels (GFLOP/s), the fused neuron step and training images/s, against the PyTorch peer when installed')
    .option('--quick', 'the reduced set: gemm, conv passes, lif_step, forward_density_0.1, train_mnistnet_T4 and T8_representation with their peers (a few minutes)')
    .option('--t-sweep', 'also sweep T = 1…32 for exact, representation (also with --time-chunk 1) and BPTT training: images/s, backward ms, peak memory')
    .option('--json <path>', 'write { machine, results: [{ name, backend, threads, value, unit }] }')
    .option('--backend <names>', 'comma-separated backends to measure', 'wasm,reference')
    .option('--threads <list>', 'comma-separated thread counts for the wasm backend (default 1 and the core count)')
    .option('--steps <n>', 'timed training steps per case', (t: string) => int(t, '--steps'))
    .option('--only <prefix>', 'only the rows whose name starts with this prefix (e.g. forward_density_)')
    .action(async (flags: {
      quick?: boolean; tSweep?: boolean; json?: string; backend: string; threads?: string; steps?: number; only?: string;
    }) => {
      const { runBench } = await import('../bench/run.js');
      await runBench({
        quick: flags.quick === true,
        sweep: flags.tSweep === true,
        json: flags.json,
        backends: flags.backend.split(',').map((s) => s.trim()),
        threads: flags.threads?.split(',').map((s) => int(s.trim(), '--threads')),
        steps: flags.steps,
        only: flags.only,
      });
    });
}
