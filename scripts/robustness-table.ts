/**
 * The README's robustness tables, rendered from the `spikerep robustness --json` files in results/robustness/:
 * per dataset, the test accuracy of each network (columns) under each kind of noise at each level (rows), and the
 * noise-aware training comparison (a plain short run against its --train-noise twins).
 *   node --import tsx scripts/robustness-table.ts [results/robustness]
 * test/unit/robustness.table.test.ts checks that the README holds exactly this output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Sweep {
  readonly samples: number;
  readonly testSetSize: number;
  readonly draws?: number;
  readonly cleanAccuracy: number;
  readonly curves: readonly {
    readonly kind: string;
    readonly level: string;
    readonly points: readonly { readonly level: number; readonly accuracy: number }[];
    readonly skipped?: string;
  }[];
}

/** A table: its title line and its columns (a sweep file's name in the folder, and its heading). */
interface TableSpec {
  readonly title: string;
  readonly columns: readonly (readonly [file: string, heading: string])[];
}

export const ROBUSTNESS_TABLES: readonly TableSpec[] = [
  {
    title: 'MNIST',
    columns: [
      ['mnist-if-T4-r-s1', 'DSR-IF T=4, 10 ep'],
      ['mnist-ann-s1', 'ANN, 10 ep'],
      ['mnist-if-T4-short', 'DSR-IF T=4, short'],
      ['mnist-bptt-T4-short', 'BPTT T=4, short'],
      ['mnist-ann-short', 'ANN, short'],
    ],
  },
  {
    title: 'Fashion-MNIST',
    columns: [
      ['fmnist-if-T4-s1', 'DSR-IF T=4, 10 ep'],
      ['fmnist-ann-s1', 'ANN, 10 ep'],
      ['fmnist-if-T4-short', 'DSR-IF T=4, short'],
      ['fmnist-bptt-T4-short', 'BPTT T=4, short'],
      ['fmnist-ann-short', 'ANN, short'],
    ],
  },
  {
    title: 'MNIST, noise-aware training',
    columns: [
      ['mnist-if-T4-short', 'DSR-IF T=4, short, plain'],
      ['mnist-if-T4-short-tn-deletion0.1', '--train-noise deletion:0.1'],
      ['mnist-if-T4-short-tn-gaussian0.2', '--train-noise gaussian:0.2'],
    ],
  },
];

const pct = (a: number): string => `${(100 * a).toFixed(2)}`;
const digits = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** One markdown table per spec, blocks separated by a blank line. */
export function renderRobustnessTables(dir: string, specs: readonly TableSpec[] = ROBUSTNESS_TABLES): string {
  return specs
    .map((spec) => {
      const sweeps = spec.columns.map(([file]) => JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8')) as Sweep);
      const sizes = new Set(sweeps.map((s) => `${digits(s.samples)} of ${digits(s.testSetSize)}`));
      const draws = new Set(sweeps.map((s) => s.draws ?? 1));
      const devices = [...draws].some((d) => d > 1)
        ? `; weight and threshold: mean of ${[...draws].join(', ')} devices`
        : '';
      const lines = [
        `**${spec.title}**: test accuracy (%) on ${[...sizes].join(', ')} test images per point${devices}`,
        '',
        `| noise | level | ${spec.columns.map(([, h]) => h).join(' | ')} |`,
        `|---|---|${spec.columns.map(() => '---:').join('|')}|`,
        `| none | — | ${sweeps.map((s) => pct(s.cleanAccuracy)).join(' | ')} |`,
      ];
      const first = sweeps[0]!;
      for (const curve of first.curves) {
        for (const p of curve.points) {
          if (p.level === 0) continue;
          const cells = sweeps.map((s) => {
            const c = s.curves.find((x) => x.kind === curve.kind);
            if (c?.skipped !== undefined) return 'n/a';
            const at = c?.points.find((q) => q.level === p.level);
            return at === undefined ? '—' : pct(at.accuracy);
          });
          lines.push(`| ${curve.kind} | ${curve.level} ${p.level} | ${cells.join(' | ')} |`);
        }
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${renderRobustnessTables(process.argv[2] ?? 'results/robustness')}\n`);
}
