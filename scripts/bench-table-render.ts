/**
 * The README's benchmark table, rendered from `spikerep bench --json` files: one row per training row that ran
 * beside the PyTorch peer (ours, the peer measured alternately with it, their ratio), in the files' order.
 */
import { readFileSync } from 'node:fs';

interface BenchRow {
  readonly name: string;
  readonly backend: string;
  readonly value: number | null;
  readonly spread?: { readonly q1: number; readonly q3: number };
}

/** The bench files the README's table is rendered from, in its order. */
export const README_BENCH_FILES = [
  'results/bench-quick-gather-run3-2026-12-08.json',
  'results/bench-native-gather-2026-12-08.json',
  'results/bench-resnet18-gather-2026-12-08.json',
  'results/bench-resnet18-rep-gather-2026-12-08.json',
] as const;

/** What a training row measures, in words: `train_mnistnet_T4_representation` → its model, neuron, T and mode. */
export function rowLabel(name: string, backend: string): string {
  const m = /^train_(mnistnet|resnet18)_T(\d+)(?:_(representation|bptt))?$/.exec(name);
  if (m === null) throw new Error(`bench table: no label for row ${name}`);
  const [, model, T, mode] = m;
  const what =
    model === 'mnistnet'
      ? `MNIST convnet, ${mode === 'bptt' ? 'BPTT' : 'DSR-IF'}, T = ${T}`
      : `PreAct-ResNet-18, DSR-IF, T = ${T}, batch 32`;
  const grad = mode === 'bptt' ? '' : mode === 'representation' ? ', representation (the default)' : ', exact';
  return `${what}${grad}, ${backend}`;
}

const images = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const spread = (r: BenchRow): string =>
  r.spread === undefined ? '–' : `${r.spread.q1.toFixed(3)}–${r.spread.q3.toFixed(3)}`;

/** The markdown table (header included) of every row with a peer and a ratio in `files`. */
export function renderBenchTable(files: readonly string[]): string {
  const lines = [
    '| row, images/s | ours | PyTorch | ours ÷ PyTorch | spread: ours; PyTorch |',
    '|---|---|---|---|---|',
  ];
  for (const file of files) {
    const rows = (JSON.parse(readFileSync(file, 'utf8')) as { results: BenchRow[] }).results;
    rows.forEach((ratio, i) => {
      if (!ratio.name.startsWith('ratio_train_') || ratio.value === null) return;
      const name = ratio.name.slice('ratio_'.length);
      const backend = ratio.backend.split('/')[0]!;
      const peer = rows[i - 1];
      const ours = rows
        .slice(0, i)
        .reverse()
        .find((r) => r.name === name && r.backend === backend);
      if (ours?.value == null || peer?.value == null || !peer.name.startsWith('torch_train_'))
        throw new Error(`${file}: ${ratio.name} has no row of ours and of the peer before it`);
      lines.push(
        `| ${rowLabel(name, backend)} | ${images(ours.value)} | ${images(peer.value)} | ${ratio.value.toFixed(2)}× | ${spread(ours)}; ${spread(peer)} |`,
      );
    });
  }
  return `${lines.join('\n')}\n`;
}
