/**
 * `spikerep bench` / `npm run bench`: kernel GFLOP/s, the fused neuron step, and training images/s of whole
 * DSR steps (forward simulation + backward + SGD) for each backend and thread count, side by side with the
 * PyTorch DSR peer when Debian's python3-torch is installed. Prints a table and writes the JSON report.
 */

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { BackendName, Kernels } from '../kernels/kernels.js';
import { loadNativeAddon, NATIVE_INSTALL_HINT } from '../kernels/native/addon.js';
import type { NativeKernels } from '../kernels/native/index.js';
import type { WebGpuKernels } from '../kernels/webgpu/index.js';
import { adapterName } from './adapter-name.js';
import { CONV, denseRows, firstConvRows, neuronRows, type Row } from './kernel-bench.js';
import { PEER_BLAS_THREADS, peerUnavailable, runPeer, runPeerKernels } from './peer.js';
import { type BenchResult, Report } from './report.js';
import { DENSITIES, QUICK_DENSITIES, sparseFilterRows, sparseLinearRows, sparseRows } from './sparse-bench.js';
import { formatSpread, stepStats } from './step-stats.js';
import { benchTrainStep, type TrainBenchCase } from './train-bench.js';

/** Untimed training steps before the timed ones, ours and the peer's alike. */
const WARMUP = 3;
/** Training rows with a peer alternate ours and the peer this many times each (ours, peer, ours, peer). */
const PEER_ROUNDS = 2;
/** Timed training steps per round unless --steps says otherwise. */
const DEFAULT_STEPS = 10;

export interface BenchOptions {
  quick: boolean;
  /** The T sweep (README, "Making T free"): images/s, backward ms and peak memory for T = 1…32, exact vs representation vs BPTT. */
  sweep?: boolean;
  json?: string;
  backends: string[];
  threads?: number[];
  steps?: number;
  /** Only the rows whose name starts with this prefix (and only the work they need). */
  only?: string;
}

interface TrainRow {
  name: string;
  c: TrainBenchCase;
  /** Reference backend too (plain loops: only the small network). */
  onReference: boolean;
  /** Why this row times fewer steps than --steps asks, for its note. */
  fewerSteps?: string;
  peer?: { name: string; neuron: 'if' | 'bptt' };
}

function trainRows(quick: boolean, steps: number): TrainRow[] {
  const mnist = (T: number, extra: Partial<TrainBenchCase> = {}): TrainBenchCase => ({
    model: 'mnistnet',
    neuron: 'if',
    T,
    batch: 64,
    steps,
    ...extra,
  });
  const rows: TrainRow[] = [
    {
      name: 'train_mnistnet_T4',
      c: mnist(4),
      onReference: true,
      peer: { name: 'torch_train_mnistnet_T4', neuron: 'if' },
    },
    // the default for IF (--grad-mode auto): the representation-level backward, whose gradients equal the exact ones
    {
      name: 'train_mnistnet_T4_representation',
      c: mnist(4, { gradMode: 'representation' }),
      onReference: false,
      peer: { name: 'torch_train_mnistnet_T4', neuron: 'if' },
    },
    // the representation-level backward against the PyTorch DSR step at T = 8
    {
      name: 'train_mnistnet_T8_representation',
      c: mnist(8, { gradMode: 'representation' }),
      onReference: false,
      peer: { name: 'torch_train_mnistnet_T8', neuron: 'if' },
    },
  ];
  if (quick) return rows;
  rows.push(
    // what running the time-invariant first layers once buys: the same step with the reference code's T-fold first layers
    { name: 'train_mnistnet_T4_first_layers_T_times', c: mnist(4, { firstLayersOnce: false }), onReference: false },
    {
      name: 'train_mnistnet_T8',
      c: mnist(8),
      onReference: false,
      peer: { name: 'torch_train_mnistnet_T8', neuron: 'if' },
    },
    {
      name: 'train_mnistnet_T20',
      c: mnist(20),
      onReference: false,
      peer: { name: 'torch_train_mnistnet_T20', neuron: 'if' },
    },
    { name: 'train_mnistnet_T20_first_layers_T_times', c: mnist(20, { firstLayersOnce: false }), onReference: false },
    {
      name: 'train_mnistnet_T4_bptt',
      c: mnist(4, { neuron: 'bptt' }),
      onReference: false,
      peer: { name: 'torch_train_mnistnet_T4_bptt', neuron: 'bptt' },
    },
    {
      name: 'train_resnet18_T5',
      c: { model: 'resnet18', neuron: 'if', T: 5, batch: 32, steps: Math.min(steps, 3), warmup: 2 },
      onReference: false,
      fewerSteps: `${Math.min(steps, 3)} timed steps after 2 warm-ups per round: one step takes seconds`,
      peer: { name: 'torch_train_resnet18_T5', neuron: 'if' },
    },
    {
      name: 'train_resnet18_T5_representation',
      c: {
        model: 'resnet18',
        neuron: 'if',
        T: 5,
        batch: 32,
        steps: Math.min(steps, 3),
        warmup: 2,
        gradMode: 'representation',
      },
      onReference: false,
      fewerSteps: `${Math.min(steps, 3)} timed steps after 2 warm-ups per round: one step takes seconds`,
      peer: { name: 'torch_train_resnet18_T5', neuron: 'if' },
    },
  );
  return rows;
}

export async function runBench(o: BenchOptions): Promise<Report> {
  for (const b of o.backends) {
    if (b !== 'wasm' && b !== 'reference' && b !== 'native' && b !== 'webgpu') {
      throw new SpikerepError('E_ARG', `expected native, wasm, webgpu and/or reference, got ${b}`, '--backend');
    }
  }
  const cores = os.availableParallelism();
  const threadList = o.threads ?? [...new Set([1, cores])];
  const reps = o.quick ? 3 : 5;
  const steps = o.steps ?? DEFAULT_STEPS;
  const report = new Report();
  const configs: { backend: BackendName; threads: number }[] = [];
  if (o.backends.includes('native')) {
    if (loadNativeAddon() !== null) for (const t of threadList) configs.push({ backend: 'native', threads: t });
    else report.machine['native'] = `not run: addon not built (${NATIVE_INSTALL_HINT})`;
  }
  if (o.backends.includes('wasm')) for (const t of threadList) configs.push({ backend: 'wasm', threads: t });
  // one device, whatever --threads says
  if (o.backends.includes('webgpu')) configs.push({ backend: 'webgpu', threads: 1 });
  if (o.backends.includes('reference')) configs.push({ backend: 'reference', threads: 1 });
  const want = (name: string): boolean => o.only === undefined || name.startsWith(o.only);
  /** Whether a group of rows named `prefix`… can hold a wanted row. */
  const wantGroup = (prefix: string): boolean => want(prefix) || o.only?.startsWith(prefix) === true;
  const rows = trainRows(o.quick, steps).filter((r) => want(r.name));
  // the peer is PyTorch on the CPU: it runs beside the CPU backends only
  const onCpu = configs.some((c) => c.backend === 'wasm' || c.backend === 'native');
  const peerWhyNot =
    onCpu && (rows.some((r) => r.peer !== undefined) || wantGroup('gemm_') || wantGroup('conv_'))
      ? peerUnavailable()
      : null;
  if (peerWhyNot !== null) {
    report.machine['peer'] = `not run: ${peerWhyNot}`;
    process.stdout.write(`PyTorch peer not run: ${peerWhyNot}\n`);
  }

  for (const { backend, threads } of configs) {
    const k = await openBackend(report, backend, threads);
    if (k === null) continue;
    try {
      if (backend === 'native') recordNative(report, k as NativeKernels);
      if (backend === 'webgpu') recordAdapter(report, k as WebGpuKernels);
      if (backend !== 'reference') {
        // rounds repeat the whole set, so a burst of load from elsewhere does not decide a row
        const rounds = o.quick ? 1 : 3;
        const kernelRows = (): Row[] => [
          ...(wantGroup('gemm_') || wantGroup('conv_') ? denseRows(k, reps) : []),
          ...(wantGroup('first_conv_') ? firstConvRows(k, reps) : []),
          ...(wantGroup('lif_') ? neuronRows(k, reps) : []),
          ...(wantGroup('forward_density_') ? sparseRows(k, reps, o.quick ? QUICK_DENSITIES : DENSITIES) : []),
          ...(!o.quick && wantGroup('linear_forward_density_') ? sparseLinearRows(k, reps, DENSITIES) : []),
          ...(wantGroup('filter_density_') || wantGroup('linear_filter_density_')
            ? sparseFilterRows(k, reps, o.quick ? QUICK_DENSITIES : DENSITIES)
            : []),
        ];
        for (const r of bestOf(rounds, kernelRows)) if (want(r.name)) report.add({ ...r, backend, threads });
        const fma = (k as unknown as { fma?: boolean }).fma;
        if (fma !== undefined)
          report.machine['wasmFma'] = fma ? 'relaxed-simd fused multiply-add' : 'plain simd (mul + add)';
      } else {
        for (const r of wantGroup('lif_') ? neuronRows(k, 1) : [])
          if (want(r.name)) report.add({ ...r, backend, threads });
        for (const name of ['gemm_1024', 'conv_fwd', 'conv_bwd_input', 'conv_bwd_filter'].filter(want)) {
          report.add({
            name,
            backend,
            threads,
            value: null,
            unit: 'GFLOP/s',
            note: 'skipped: plain loops take minutes',
          });
        }
      }
      for (const row of rows) {
        if (backend === 'reference' && !row.onReference) continue;
        trainRow(report, k, backend, threads, row, onCpu && peerWhyNot === null && backend !== 'webgpu');
      }
    } finally {
      disposeKernels(k);
    }
  }

  if (o.sweep === true) sweepT(report, Math.max(...threadList), steps);

  if (peerWhyNot === null && onCpu && (wantGroup('gemm_') || wantGroup('conv_'))) {
    for (const threads of threadList) {
      // torch's own BLAS/oneDNN kernels on the same shapes: the ceiling this machine offers a native backend
      const kernels = runPeerKernels(threads);
      for (const name of ['gemm_1024', 'conv_fwd', 'conv_bwd_input', 'conv_bwd_filter'] as const) {
        if (want(name)) report.add({ name, backend: 'torch', threads, value: kernels[name], unit: 'GFLOP/s' });
      }
    }
  }
  process.stdout.write(`\n${report.table()}\n`);
  if (o.json !== undefined) writeJson(o.json, report);
  return report;
}

/**
 * One training row: WARMUP untimed steps, then `steps` steps each timed on its own; the row reports the median.
 * With a peer, ours and the peer alternate (ours, peer, ours, peer: PEER_ROUNDS each, each round with its own
 * warm-ups), so load from elsewhere falls on both alike; the ratio is ours ÷ peer from the medians over all rounds.
 */
function trainRow(
  report: Report,
  k: Kernels,
  backend: BackendName,
  threads: number,
  row: TrainRow,
  peerAvailable: boolean,
): void {
  const reference = backend === 'reference';
  // plain loops take seconds a step: one warm-up and one step, a correctness row more than a speed row
  const c = reference ? { ...row.c, steps: 1, warmup: 1 } : { warmup: WARMUP, ...row.c };
  const peer = !reference && peerAvailable ? row.peer : undefined;
  const rounds = peer === undefined ? 1 : PEER_ROUNDS;
  const ours: number[][] = [];
  const theirs: number[][] = [];
  let peerInfo: ReturnType<typeof runPeer> | undefined;
  let peerFailure: string | undefined;
  for (let i = 0; i < rounds; i++) {
    try {
      ours.push(benchTrainStep(k, c).stepSeconds);
    } catch (e) {
      // one case that cannot run (the wasm heap's 4 GiB) must not lose the other rows
      report.add({
        name: row.name,
        backend,
        threads,
        value: null,
        unit: 'images/s',
        note: `failed: ${(e as Error).message}`,
      });
      return;
    }
    if (peer === undefined || peerFailure !== undefined) continue;
    try {
      peerInfo = runPeer({
        model: c.model,
        neuron: peer.neuron,
        T: c.T,
        batch: c.batch,
        threads,
        steps: c.steps,
        warmup: c.warmup,
      });
      theirs.push(peerInfo.step_seconds);
    } catch (e) {
      peerFailure = (e as Error).message;
    }
  }
  const how = reference
    ? '1 warm-up, 1 timed step'
    : `${c.warmup} warm-ups${rounds > 1 ? ` per round, ${rounds} rounds alternated with ${peer!.name}` : ''}${row.fewerSteps ? `; ${row.fewerSteps}` : ''}`;
  const spread = stepStats(ours.flat());
  report.add({
    name: row.name,
    backend,
    threads,
    value: c.batch / spread.median,
    unit: 'images/s',
    note: `batch ${c.batch}; ${formatSpread(spread)}; ${how}`,
    spread,
  });
  if (peer === undefined) return;
  if (peerInfo === undefined || peerFailure !== undefined) {
    report.add({
      name: peer.name,
      backend: 'torch',
      threads,
      value: null,
      unit: 'images/s',
      note: `failed: ${peerFailure}`,
      alongside: `${backend} ${row.name}`,
    });
    return;
  }
  report.machine['peer'] =
    `PyTorch ${peerInfo.torch}, BLAS ${peerInfo.blas} (${PEER_BLAS_THREADS} thread), channels-last, tuned glibc malloc, in-place IF neuron`;
  const peerSpread = stepStats(theirs.flat());
  report.add({
    name: peer.name,
    backend: 'torch',
    threads,
    value: c.batch / peerSpread.median,
    unit: 'images/s',
    note: `batch ${c.batch}; ${formatSpread(peerSpread)}; ${how.replace(` with ${peer.name}`, ` with ${backend} ${row.name}`)}`,
    spread: peerSpread,
    alongside: `${backend} ${row.name}`,
  });
  const median = (s: number[]): number => stepStats(s).median;
  report.add({
    name: `ratio_${row.name}`,
    backend: `${backend}/torch`,
    threads,
    value: peerSpread.median / spread.median,
    unit: 'x',
    note: `ours ÷ peer from the medians of ${spread.steps} and ${peerSpread.steps} steps, alternated in ${rounds} rounds`,
    perRound: ours.map((o, i) => median(theirs[i]!) / median(o)),
  });
}

/**
 * Each configuration runs in its own process (src/bench/memory-probe.ts) so that its peak RSS is its own.
 * Row names: train_mnistnet_T8_representation (images/s), peak_mb_mnistnet_T32_representation (MB),
 * backward_ms_mnistnet_T32_representation (ms); `_representation_chunk1` is the same with --time-chunk 1
 * (spikes kept as bits, forward memory bounded; mnistnet only, the chunked forward needs a sequential model).
 */
function sweepT(report: Report, threads: number, steps: number): void {
  const self = fileURLToPath(import.meta.url);
  const probe = self.replace(/run\.(ts|js)$/, 'memory-probe.$1');
  const cases: { model: 'mnistnet' | 'resnet18'; Ts: number[]; batch: number }[] = [
    { model: 'mnistnet', Ts: [1, 2, 4, 8, 16, 32], batch: 64 },
    { model: 'resnet18', Ts: [1, 4], batch: 16 },
  ];
  for (const { model, Ts, batch } of cases) {
    for (const T of Ts) {
      const modes = [
        'exact',
        'representation',
        'bptt',
        ...(model === 'mnistnet' ? ['representation_chunk1'] : []),
      ] as const;
      for (const mode of modes) {
        const c = {
          model,
          T,
          batch,
          threads,
          steps: model === 'resnet18' ? 1 : Math.min(steps, 3),
          neuron: mode === 'bptt' ? 'bptt' : 'if',
          gradMode: mode.startsWith('representation') ? 'representation' : 'exact',
          ...(mode === 'representation_chunk1' ? { timeChunk: 1 } : {}),
        };
        const r = spawnSync(process.execPath, [...process.execArgv, probe, JSON.stringify(c)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        if (r.status !== 0) {
          report.add({
            name: `train_${model}_T${T}_${mode}`,
            backend: 'wasm',
            threads,
            value: null,
            unit: 'images/s',
            note: `failed: ${r.stderr.trim().split('\n').pop()}`,
          });
          continue;
        }
        const p = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
          imagesPerSecond: number;
          backwardMs: number;
          peakRssMB: number;
        };
        report.add({
          name: `train_${model}_T${T}_${mode}`,
          backend: 'wasm',
          threads,
          value: p.imagesPerSecond,
          unit: 'images/s',
          note: `batch ${batch}`,
        });
        report.add({
          name: `backward_ms_${model}_T${T}_${mode}`,
          backend: 'wasm',
          threads,
          value: p.backwardMs,
          unit: 'ms',
        });
        report.add({
          name: `peak_mb_${model}_T${T}_${mode}`,
          backend: 'wasm',
          threads,
          value: p.peakRssMB,
          unit: 'MB',
        });
      }
    }
  }
}

/**
 * The kernels of one configuration; for webgpu, null (and a note in the report) when no adapter can be had, as
 * for a native addon that is not built, so that the other backends still run.
 */
async function openBackend(report: Report, backend: BackendName, threads: number): Promise<Kernels | null> {
  if (backend !== 'webgpu') return createKernels(backend, { threads });
  try {
    return await createKernels('webgpu');
  } catch (e) {
    if (!(e instanceof SpikerepError)) throw e;
    report.machine['webgpu'] = `not run: ${e.message}`;
    process.stdout.write(`webgpu not run: ${e.message}\n`);
    return null;
  }
}

/** The adapter the webgpu rows ran on; a software one (lavapipe) is said so, since its figures mean little. */
function recordAdapter(report: Report, k: WebGpuKernels): void {
  report.machine['webgpuAdapter'] = adapterName(k.adapter);
  process.stdout.write(`webgpu adapter: ${adapterName(k.adapter)}\n`);
}

/** Which OpenBLAS kernel and oneDNN ISA and implementations the native rows ran on (OPENBLAS_CORETYPE may force one). */
function recordNative(report: Report, k: NativeKernels): void {
  const info = k.info();
  report.machine['nativeOpenblas'] = `${info.openblasConfig}; core ${info.openblasCore}`;
  report.machine['nativeOpenblasCoretypeEnv'] = process.env['OPENBLAS_CORETYPE'] ?? 'unset';
  report.machine['nativeOnednnIsa'] = info.dnnlIsa;
  report.machine['nativeOnednnConv'] = k.convImplementations(CONV);
}

/** Per row name, the best value over `rounds` runs of `rows` (highest rate, lowest time). */
function bestOf(rounds: number, rows: () => Row[]): Row[] {
  const best = new Map<string, Row>();
  for (let i = 0; i < rounds; i++) {
    for (const r of rows()) {
      const old = best.get(r.name);
      const better =
        old === undefined ||
        old.value === null ||
        (r.value !== null && (r.unit === 'ms' ? r.value < old.value : r.value > old.value));
      if (better) best.set(r.name, r);
    }
  }
  return [...best.values()];
}

function writeJson(path: string, report: Report): void {
  writeFileAtomic(path, `${JSON.stringify(report.toJSON(), null, 2)}\n`, { what: 'the bench report' });
  process.stdout.write(`wrote ${path}\n`);
}

export type { BenchResult };
