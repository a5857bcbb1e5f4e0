/**
 * The comparison page of several runs: a table of the runs (settings, seed, test accuracy and on how many
 * images), accuracy against T as a table and a figure, and energy per image as a table and a figure, the tables
 * laid out as papers print them (one row per run, best value per column in bold).
 */
import { energySentence, formatJoules, formatRatio } from './energy-text.js';
import { figure } from './figure.js';
import { groupDigits, percent } from './format.js';
import { BLUE, imagesOf, joulesUnit, ORANGE, type RunSummary, section } from './html.js';
import { reportPage } from './page.js';
import { type Bar, barChart, esc, lineChart } from './svg.js';

export interface ComparedRun {
  readonly name: string;
  readonly run: RunSummary & { config?: { T?: number } };
  /** Test accuracy at each T, on `sweepImages` images; absent without a checkpoint (then `note` says why). */
  readonly sweep?: readonly { T: number; accuracy: number }[];
  readonly sweepImages?: number;
  readonly testSetSize?: number;
  readonly note?: string;
}

export interface CompareData {
  readonly runs: readonly ComparedRun[];
  readonly Ts: readonly number[];
}

const COLORS = [BLUE, ORANGE, '#3a8a3a', '#a33', '#7a4ea0', '#2a9d8f', '#555', '#b58900'];

export function compareHtml(d: CompareData): string {
  const title = `spikerep: ${d.runs.length} runs compared`;
  return reportPage(title, [runsTable(d), accuracySection(d), energySection(d)].join('\n'));
}

function table(
  name: string,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  bold?: boolean[][],
): string {
  const th = `<tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const tr = rows
    .map(
      (r, i) =>
        `<tr>${r.map((c, j) => (bold?.[i]?.[j] === true ? `<td><b>${esc(c)}</b></td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table data-table="${name}" class="paper">${th}${tr}</table>${latex(name, head, rows, bold)}`;
}

/** LaTeX for the characters a table cell may hold, in one pass so no replacement is escaped again. */
const TEX: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '×': '$\\times$',
  '÷': '$\\div$',
  µ: '$\\mu$',
  '–': '--',
};

/** The same table as LaTeX source (booktabs), the bold cells in \textbf, ready to paste into a paper. */
function latex(
  name: string,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  bold?: boolean[][],
): string {
  const tex = (c: string): string => c.replace(/[\\&%$#_{}×÷µ–]/g, (ch) => TEX[ch] ?? ch);
  const line = (r: readonly string[], i?: number): string =>
    `${r.map((c, j) => (i !== undefined && bold?.[i]?.[j] === true ? `\\textbf{${tex(c)}}` : tex(c))).join(' & ')} \\\\`;
  const src = [
    `\\begin{tabular}{l${'r'.repeat(head.length - 1)}}`,
    '\\toprule',
    line(head),
    '\\midrule',
    ...rows.map((r, i) => line(r, i)),
    '\\bottomrule',
    '\\end{tabular}',
  ].join('\n');
  return `<details class="latex"><summary>LaTeX</summary><pre data-latex="${name}">${esc(src)}</pre></details>`;
}

function runsTable(d: CompareData): string {
  const rows = d.runs.map(({ name, run: r }) => [
    name,
    r.dataset ?? '?',
    r.model ?? '?',
    r.neuron ?? '?',
    String(r.T ?? '?'),
    String(r.epochs ?? '?'),
    String(r.config?.seed ?? '?'),
    r.testAccuracy === undefined ? '–' : percent(r.testAccuracy),
    r.testImages === undefined ? '–' : imagesOf(r.testImages, r.testSetSize),
    r.version ?? '–',
  ]);
  return section(
    'Runs',
    table(
      'runs',
      ['run', 'dataset', 'model', 'neuron', 'T', 'epochs', 'seed', 'test accuracy', 'test images', 'spikerep'],
      rows,
    ),
    true,
  );
}

function accuracySection(d: CompareData): string {
  const swept = d.runs.filter((r) => r.sweep !== undefined && r.sweep.length > 0);
  const Ts = [...new Set(swept.flatMap((r) => r.sweep!.map((p) => p.T)))].sort((a, b) => a - b);
  const notes = d.runs
    .filter((r) => r.sweep === undefined)
    .map(
      (r) =>
        `<p class="missing" data-missing="sweep-${esc(r.name)}">${esc(r.name)}: no accuracy against T (${esc(r.note ?? 'no checkpoint')})</p>`,
    )
    .join('');
  if (swept.length === 0) return section('Accuracy against T', notes, true);
  const images = [...new Set(swept.map((r) => imagesOf(r.sweepImages ?? 0, r.testSetSize)))];
  const on = `on the first ${images.join(' / ')} test images of each run's dataset`;
  const cell = (r: ComparedRun, T: number): number | undefined => r.sweep!.find((p) => p.T === T)?.accuracy;
  const best = Ts.map((T) => Math.max(...swept.map((r) => cell(r, T) ?? -1)));
  const rows = swept.map((r) => [r.name, ...Ts.map((T) => (cell(r, T) === undefined ? '–' : percent(cell(r, T)!)))]);
  const bold = swept.map((r) => [false, ...Ts.map((T, j) => cell(r, T) !== undefined && cell(r, T) === best[j])]);
  const chart = lineChart(
    'compare-accuracy-vs-T',
    'Test accuracy against time steps T',
    'time steps T',
    'test accuracy (%)',
    swept.map((r, i) => ({
      name: r.name,
      color: COLORS[i % COLORS.length]!,
      points: r.sweep!.map((p) => [p.T, 100 * p.accuracy] as const),
    })),
    {
      x: { integer: true, pad: 0 },
      y: { bounds: [0, 100], minSpan: 2 },
      subtitle: `each run's trained weights run at each T, ${on}`,
    },
  );
  return section(
    'Accuracy against T',
    `<p>Test accuracy (%) ${esc(on)}; the best per T in bold.</p>${table('accuracy-vs-T', ['run', ...Ts.map((T) => `T = ${T}`)], rows, bold)}${figure('compare-accuracy-vs-T', chart)}${notes}`,
    true,
  );
}

function energySection(d: CompareData): string {
  const runs = d.runs.filter((r) => r.run.energyJoules !== undefined && r.run.annEnergyJoules !== undefined);
  if (runs.length === 0)
    return section(
      'Energy per image',
      '<p class="missing" data-missing="energy">No run recorded its energy.</p>',
      true,
    );
  const rows = runs.map(({ name, run: r }) => {
    const ann = r.neuron === 'ann' || r.neuron === 'relu';
    return [
      name,
      r.neuron ?? '?',
      r.synOps === undefined ? '–' : `${(r.synOps / 1e6).toFixed(2)} M`,
      formatJoules(r.energyJoules!),
      formatJoules(r.annEnergyJoules!),
      ann ? '1× (the ANN)' : formatRatio(r.energyJoules! / r.annEnergyJoules!),
      r.testImages === undefined ? '–' : groupDigits(r.testImages),
    ];
  });
  const lowest = Math.min(...runs.map((r) => r.run.energyJoules!));
  const bold = runs.map((r) => [false, false, false, r.run.energyJoules === lowest, false, false, false]);
  const unit = joulesUnit(Math.max(...runs.flatMap((r) => [r.run.energyJoules!, r.run.annEnergyJoules!])));
  const anns = new Map<string, number>();
  for (const { run: r } of runs) anns.set(`ANN (${r.model ?? '?'}, ${r.dataset ?? '?'})`, r.annEnergyJoules!);
  const bars: Bar[] = [
    ...runs.map((r, i) => ({
      label: r.name,
      value: r.run.energyJoules! / unit.scale,
      text: formatJoules(r.run.energyJoules!),
      color: COLORS[i % COLORS.length]!,
    })),
    ...[...anns].map(([label, j]) => ({ label, value: j / unit.scale, text: formatJoules(j), color: '#999' })),
  ];
  const chart = barChart('compare-energy', 'Estimated energy per image', `${unit.name} per image`, bars, {
    subtitle:
      'from the spikes counted on each run’s test images; 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate',
  });
  const sentences = runs
    .map(
      ({ name, run: r }) =>
        `<li>${esc(name)}: ${esc(energySentence(r.energyJoules!, r.annEnergyJoules!, r.neuron))}</li>`,
    )
    .join('');
  return section(
    'Energy per image',
    `<p>Estimated energy per image of each run and of the ANN of the same shape; the lowest in bold.</p>${table('energy', ['run', 'neuron', 'synaptic ops / image', 'energy / image', 'ANN, same shape', 'SNN ÷ ANN', 'test images'], rows, bold)}${figure('compare-energy', chart)}<ul>${sentences}</ul>`,
    true,
  );
}
