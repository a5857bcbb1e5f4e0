import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The PyTorch DSR peer (bench/torch_dsr.py), run with Debian's python3-torch when it is installed. */
export const PEER_SCRIPT = fileURLToPath(new URL('../../bench/torch_dsr.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface PeerResult {
  /** From the median step. */
  images_per_s: number;
  /** The median step. */
  seconds_per_step: number;
  /** Every timed step, in order. */
  step_seconds: number[];
  peak_rss_mb: number;
  torch: string;
  blas: string;
}

/** Why the peer cannot run here, or null when it can. */
export function peerUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (!existsSync(PEER_SCRIPT)) return `${PEER_SCRIPT} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0) return 'python3-torch is not installed (apt-get install python3-torch libopenblas0-pthread)';
  return null;
}

/**
 * OpenBLAS gets one thread: torch's OpenMP pool already runs a thread per core, and the pthread OpenBLAS that
 * Debian's torch calls for its linear layers keeps a second pool that oversubscribes them. Measured on the 2-core
 * VM, 3 alternated runs each: mnistnet T = 4 566–599 images/s with one OpenBLAS thread against 532–569 with two
 * (and a wide upper quartile), T = 8 298–311 against 277–291; PreAct-ResNet-18 the same either way (12.4).
 */
export const PEER_BLAS_THREADS = 1;

function peerEnv(threads: number, blasThreads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(blasThreads),
    MKL_NUM_THREADS: String(threads),
    MALLOC_MMAP_MAX_: '0',
    MALLOC_TRIM_THRESHOLD_: '1099511627776',
    MALLOC_TOP_PAD_: '1073741824',
  };
}

/**
 * Runs the peer at its best (backends.md): threads set explicitly on every library (OpenBLAS: PEER_BLAS_THREADS),
 * channels-last, and glibc malloc tuned so large activations are not re-faulted every step. The environment's
 * other OPENBLAS_* settings are left as they are.
 */
export function runPeer(args: {
  model: string;
  neuron: 'if' | 'bptt';
  T: number;
  batch: number;
  threads: number;
  /** Timed steps (each timed on its own) after `warmup` untimed ones. */
  steps: number;
  warmup: number;
}): PeerResult {
  const env = peerEnv(args.threads, PEER_BLAS_THREADS);
  const r = spawnSync(
    PYTHON,
    [
      PEER_SCRIPT,
      '--model',
      args.model,
      '--neuron',
      args.neuron,
      '--T',
      String(args.T),
      '--batch',
      String(args.batch),
      '--threads',
      String(args.threads),
      '--steps',
      String(args.steps),
      '--warmup',
      String(args.warmup),
    ],
    { encoding: 'utf8', env, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`torch peer failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

/** torch's own gemm and conv GFLOP/s at the kernel rows' shapes: this machine's BLAS/oneDNN ceiling. */
export function runPeerKernels(
  threads: number,
): Record<'gemm_1024' | 'conv_fwd' | 'conv_bwd_input' | 'conv_bwd_filter', number> {
  const r = spawnSync(PYTHON, [PEER_SCRIPT, '--kernels', '--threads', String(threads)], {
    encoding: 'utf8',
    env: peerEnv(threads, threads), // the gemm ceiling runs alone: OpenBLAS's own pool is the one in use
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`torch peer failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<
    'gemm_1024' | 'conv_fwd' | 'conv_bwd_input' | 'conv_bwd_filter',
    number
  >;
}
