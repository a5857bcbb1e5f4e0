/**
 * The spike raster as SVG: one lane per neuron layer, a mark per spike (x = time step, y = sampled neuron). Each
 * lane's heading says what the lane is: the layer, its true firing rate over all its neurons, and how many spikes
 * the sampled neurons fired. The output lane has a row per class, labelled.
 */
import { groupDigits, ratePercent } from './format.js';
import type { RasterLayer } from './raster.js';
import { chartHeading, esc } from './svg-text.js';
import { niceAxis } from './ticks.js';

export interface RasterChartOptions {
  /** Class names for the output lane's rows (default: the class index). */
  readonly classNames?: readonly string[];
  readonly subtitle?: string;
}

type Lane = Pick<RasterLayer, 'layer' | 'neurons' | 'spikes' | 'rate'> & Partial<Pick<RasterLayer, 'label' | 'output'>>;

export function rasterChart(
  chart: string,
  title: string,
  T: number,
  layers: readonly Lane[],
  o: RasterChartOptions = {},
): string {
  const width = 680;
  const left = 96;
  const plotW = width - left - 16;
  const dx = plotW / T;
  const parts: string[] = [];
  const head = chartHeading(title, o.subtitle, width);
  let y = head.top;
  for (const l of layers) {
    const shown = l.spikes[0]?.length ?? 0;
    const output = l.output === true;
    const rowH = output ? 12 : 3;
    const h = Math.max(shown * rowH, 6);
    let count = 0;
    const marks: string[] = [];
    for (let t = 0; t < T; t++) {
      const row = l.spikes[t] ?? [];
      for (let j = 0; j < row.length; j++)
        if (row[j]) {
          marks.push(
            `<rect x="${(left + t * dx + dx * 0.15).toFixed(1)}" y="${(y + 16 + j * rowH).toFixed(1)}" width="${(dx * 0.7).toFixed(1)}" height="${(rowH - 0.6).toFixed(1)}" class="spike"/>`,
          );
          count++;
        }
    }
    const sampled =
      shown === l.neurons
        ? `all ${groupDigits(l.neurons)} neurons`
        : `${shown} sampled of ${groupDigits(l.neurons)} neurons`;
    const name = l.label ?? l.layer;
    parts.push(
      `<text x="${left}" y="${y + 10}" class="lane-title" data-layer="${esc(l.layer)}">${esc(name)}: firing rate ${ratePercent(l.rate)} · ${groupDigits(count)} spike${count === 1 ? '' : 's'} from ${sampled}</text>`,
      `<rect x="${left}" y="${y + 16}" width="${plotW}" height="${h}" class="lane"/>`,
      ...marks,
    );
    if (output)
      for (let j = 0; j < shown; j++)
        parts.push(
          `<text x="${left - 6}" y="${(y + 16 + j * rowH + rowH - 2.5).toFixed(1)}" text-anchor="end" class="class-label">${esc(o.classNames?.[j] ?? String(j))}</text>`,
        );
    else
      parts.push(
        `<text x="${left - 6}" y="${(y + 16 + h / 2 + 4).toFixed(1)}" text-anchor="end" class="tick">${shown === l.neurons ? 'all' : shown} sampled</text>`,
      );
    y += 16 + h + 14;
  }
  const steps = niceAxis([1, T], { integer: true, pad: 0, maxTicks: Math.max(2, Math.floor(plotW / 36)) });
  for (const t of steps.ticks)
    if (t >= 1 && t <= T)
      parts.push(
        `<text x="${(left + (t - 0.5) * dx).toFixed(1)}" y="${y + 2}" text-anchor="middle" class="tick" data-axis="x">${t}</text>`,
      );
  parts.push(`<text x="${left + plotW / 2}" y="${y + 18}" text-anchor="middle" class="axis">time step</text>`);
  parts.unshift(head.markup);
  const height = y + 26;
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${chart}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`;
}
