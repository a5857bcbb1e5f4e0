/**
 * `spikerep bench --profile`: one training step (the step benchTrainStep times) broken down by layer, pass and
 * kind of kernel, each with its achieved GFLOP/s or GB/s against the backend's measured ceiling, so that an
 * optimisation is chosen from data. Times are medians over the timed steps; the median step less the rows is the
 * remainder, split in two: what no kernel and no layer accounts for in a step (the network's own code, the step
 * loop; the median over the steps), and the rest, which no code spends: on a shared machine a slow step is slow
 * in some rows, each row's median drops its own slow steps, and so the rows' medians add up to less than the
 * median step.
 */
import type { Kernels } from '../kernels/kernels.js';
import { denseRows } from './kernel-bench.js';
import { type Booking, type CeilingName, KernelProfile, profiledKernels, profileLayers } from './profiled-kernels.js';
import { bestMs } from './report.js';
import { stepStats } from './step-stats.js';
import { benchStep, type TrainBenchCase } from './train-bench.js';

/** The backend's measured best rates: GFLOP/s for the GEMM-like rows, GB/s for 'copy'. */
export type Ceilings = Partial<Record<CeilingName, number>>;

export interface ProfileRow {
  layer: string;
  pass: Booking['pass'];
  op: Booking['op'];
  calls: number;
  /** Median over the timed steps. */
  ms: number;
  /** Share of the median step, in %. */
  percentOfStep: number;
  flop: number;
  bytes: number;
  rate: number | null;
  unit: 'GFLOP/s' | 'GB/s' | null;
  ceiling: number | null;
  percentOfCeiling: number | null;
}

export interface ProfileResult {
  backend: string;
  threads: number;
  model: string;
  T: number;
  batch: number;
  gradMode: string;
  warmup: number;
  steps: number;
  /** Median step time. */
  stepMs: number;
  /** Σ rows' ms, and the median step less that: unbookedMs + variationMs. */
  attributedMs: number;
  remainderMs: number;
  /** The median over the timed steps of a step's time outside every layer and kernel (the network's code, the step loop). */
  unbookedMs: number;
  /**
   * remainderMs − unbookedMs: the gap step-to-step variation leaves between the median step and the sum of the rows'
   * medians (0 with one timed step; negative where the rows' medians add up to more than the median step).
   */
  variationMs: number;
  ceilings: Ceilings;
  /** Kernel calls per step (the last step), and of those the calls that woke worker threads (wasm only). */
  kernelCalls: number;
  parallelCalls: number | null;
  /**
   * The best time of a small kernel call (a copy of 32 Ki floats, above the wasm pool's threshold for waking its
   * workers): the calls that woke threads (or, where not counted, all calls) times this estimates what dispatch
   * and thread synchronisation cost a step.
   */
  smallCallMs: number;
  /** The labels of every leaf layer of the model (each has at least its 'other' rows). */
  layers: string[];
  rows: ProfileRow[];
}

/** gemm_1024 and the conv passes (kernel-bench.ts) and the bandwidth of a copy of 64 MiB into 64 MiB. */
export function measureCeilings(k: Kernels, reps = 3): Ceilings {
  const c: Ceilings = {};
  for (const r of denseRows(k, reps)) if (r.value !== null) c[r.name as CeilingName] = r.value;
  const n = 1 << 24;
  const a = k.alloc(n),
    b = k.alloc(n);
  c.copy = (8 * n) / bestMs(() => k.elementwise([a], b, { op: 'copy' }), reps) / 1e6;
  k.free(a);
  k.free(b);
  return c;
}

/** See ProfileResult.smallCallMs. */
function smallCallMs(k: Kernels): number {
  const a = k.alloc(1 << 15),
    b = k.alloc(1 << 15);
  const ms = bestMs(() => k.elementwise([a], b, { op: 'copy' }), 50);
  k.free(a);
  k.free(b);
  return ms;
}

/** Profiles `c.steps` training steps after `c.warmup` (default 3) untimed ones; `ceilings` absent: measured first. */
export function profileTrainStep(base: Kernels, c: TrainBenchCase, ceilings?: Ceilings): ProfileResult {
  const measured = ceilings ?? measureCeilings(base);
  const callMs = smallCallMs(base);
  // the wasm backend counts the calls it ran on more than one thread
  const parallelCount = (): number | null => (base as { parallelCalls?: number }).parallelCalls ?? null;
  const profile = new KernelProfile();
  const k = profiledKernels(base, profile);
  // the training bench's step, each part booked to its pass (zeroing the gradients counts as optimiser work)
  const { net, step, dispose } = benchStep(k, c, (phase) => {
    profile.pass = phase === 'zero-grad' ? 'optimiser' : phase;
  });
  const layers = [...profileLayers(net.body, 'body', profile), ...profileLayers(net.readout, 'readout', profile)];
  const warmup = c.warmup ?? 3;
  const order = new Map<string, Booking>();
  const keyOf = (b: Booking): string => `${b.layer}\t${b.pass}\t${b.op}`;
  for (let s = 0; s < warmup; s++) {
    step();
    for (const b of profile.takeStep()) if (!order.has(keyOf(b))) order.set(keyOf(b), b);
  }
  const stepMs: number[] = [];
  const perStep: Map<string, Booking>[] = [];
  const unbookedMs: number[] = [];
  let parallelCalls: number | null = null;
  for (let s = 0; s < c.steps; s++) {
    const before = parallelCount();
    const t0 = performance.now();
    step();
    const ms = performance.now() - t0;
    stepMs.push(ms);
    const after = parallelCount();
    parallelCalls = before === null || after === null ? null : after - before;
    const booked = profile.takeStep();
    unbookedMs.push(ms - booked.reduce((sum, b) => sum + b.ms, 0));
    const bookings = new Map(booked.map((b) => [keyOf(b), b]));
    for (const [key, b] of bookings) if (!order.has(key)) order.set(key, b);
    perStep.push(bookings);
  }
  dispose();
  const median = stepStats(stepMs.map((ms) => ms / 1000)).median * 1000;
  const rows = [...order.keys()].map((key) => {
    const last = perStep.at(-1)?.get(key) ?? order.get(key)!;
    const ms = stepStats(perStep.map((p) => (p.get(key)?.ms ?? 0) / 1000)).median * 1000;
    return row(last, ms, median, measured);
  });
  const attributedMs = rows.reduce((s, r) => s + r.ms, 0);
  const unbooked = stepStats(unbookedMs.map((ms) => ms / 1000)).median * 1000;
  const kernelCalls = rows.reduce((s, r) => s + (r.op === 'other' ? 0 : r.calls), 0);
  return {
    backend: base.name,
    threads: base.threads,
    model: c.model,
    T: c.T,
    batch: c.batch,
    gradMode: c.gradMode ?? 'exact',
    warmup,
    steps: c.steps,
    stepMs: median,
    attributedMs,
    remainderMs: median - attributedMs,
    unbookedMs: unbooked,
    variationMs: median - attributedMs - unbooked,
    ceilings: measured,
    kernelCalls,
    parallelCalls,
    smallCallMs: callMs,
    layers,
    rows,
  };
}

function row(b: Booking, ms: number, stepMs: number, ceilings: Ceilings): ProfileRow {
  const unit = b.flop > 0 ? 'GFLOP/s' : b.bytes > 0 ? 'GB/s' : null;
  const rate = unit === null || ms <= 0 ? null : (unit === 'GFLOP/s' ? b.flop : b.bytes) / ms / 1e6;
  const ceiling = b.ceiling === null ? null : (ceilings[b.ceiling] ?? null);
  return {
    layer: b.layer,
    pass: b.pass,
    op: b.op,
    calls: b.calls,
    ms,
    percentOfStep: (100 * ms) / stepMs,
    flop: b.flop,
    bytes: b.bytes,
    rate,
    unit,
    ceiling,
    percentOfCeiling: rate === null || ceiling === null ? null : (100 * rate) / ceiling,
  };
}

/** The profile as a text table: one line per layer × pass × op with ≥ 0.05 ms, then the totals. */
export function profileTable(p: ProfileResult): string {
  const c = p.ceilings;
  const fmt = (v: number | null | undefined, d = 1): string => (v == null ? '-' : v.toFixed(d));
  const lines = [
    `profile: ${p.model}, T = ${p.T}, batch ${p.batch}, ${p.gradMode} gradients, ${p.backend} ×${p.threads}; median of ${p.steps} steps after ${p.warmup} warm-ups`,
    `ceilings: gemm_1024 ${fmt(c.gemm_1024)}, conv_fwd ${fmt(c.conv_fwd)}, conv_bwd_input ${fmt(c.conv_bwd_input)}, conv_bwd_filter ${fmt(c.conv_bwd_filter)} GFLOP/s; copy ${fmt(c.copy)} GB/s`,
    '',
    `${'layer'.padEnd(26)}${'pass'.padEnd(10)}${'op'.padEnd(12)}${'calls'.padStart(6)}${'ms'.padStart(9)}${'% step'.padStart(8)}${'rate'.padStart(9)} ${'unit'.padEnd(8)}${'% ceil'.padStart(7)}`,
  ];
  let hidden = 0;
  for (const r of p.rows) {
    if (r.ms < 0.05) {
      hidden += r.ms;
      continue;
    }
    lines.push(
      `${r.layer.padEnd(26)}${r.pass.padEnd(10)}${r.op.padEnd(12)}${String(r.calls).padStart(6)}${fmt(r.ms, 2).padStart(9)}${fmt(r.percentOfStep).padStart(8)}${fmt(r.rate).padStart(9)} ${(r.unit ?? '').padEnd(8)}${fmt(r.percentOfCeiling).padStart(7)}`,
    );
  }
  const line = (label: string, ms: number): string =>
    `${label.padEnd(54)}${fmt(ms, 2).padStart(9)}${fmt((100 * ms) / p.stepMs).padStart(8)}`;
  lines.push('', line('rows under 0.05 ms', hidden));
  for (const op of [
    'gemm',
    'sparse-gemm',
    'neuron',
    'batch-norm',
    'pooling',
    'elementwise',
    'loss',
    'optimiser',
    'memory',
    'other',
  ]) {
    const ms = p.rows.filter((r) => r.op === op).reduce((s, r) => s + r.ms, 0);
    if (ms > 0) lines.push(line(`all ${op}`, ms));
  }
  lines.push(
    line('remainder: network code, step loop (per step)', p.unbookedMs),
    line('remainder: step-to-step variation', p.variationMs),
    line(`step (median; ${((p.batch / p.stepMs) * 1000).toFixed(0)} images/s)`, p.stepMs),
    'sparse-gemm counts the dense FLOPs: a rate above the ceiling is what skipping zero inputs saved',
    'variation: each row is its own median over the steps, so steps slowed by other load leave the rows adding up to less than the median step',
    dispatchLine(p),
  );
  return lines.join('\n');
}

/** The estimate of ProfileResult.smallCallMs, in words. */
function dispatchLine(p: ProfileResult): string {
  const calls = p.parallelCalls ?? p.kernelCalls;
  const which = p.parallelCalls === null ? 'all of them' : `the ${p.parallelCalls} that woke the worker threads`;
  return `kernel calls per step: ${p.kernelCalls}; a small call (32 Ki-float copy) takes ${(p.smallCallMs * 1000).toFixed(1)} µs; ${which} at that cost: ≈ ${(calls * p.smallCallMs).toFixed(2)} ms of dispatch and synchronisation, inside the rows above`;
}
