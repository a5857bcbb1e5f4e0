/**
 * Small hand-written SVG charts (lines, horizontal bars, scatter) returned as strings: no library, nothing to
 * bundle, viewable offline. Browser-safe; the demo page draws with the same functions. Axes are fitted to the
 * data with round ticks (ticks.ts); margins grow with the longest tick label, so labels never cross the axis
 * titles; a line under the title says what the figure was measured on.
 */

import { chartHeading, esc } from './svg-text.js';
import { type AxisOptions, niceAxis, tickLabel } from './ticks.js';

export { rasterChart } from './raster-chart.js';
export { esc } from './svg-text.js';

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
  /** Draw a dot per point (default true; false for dense per-step curves). */
  readonly dots?: boolean;
  /** Stroke width (default 2). */
  readonly width?: number;
  readonly opacity?: number;
}

export interface LineOptions {
  readonly x?: AxisOptions;
  readonly y?: AxisOptions;
  /** What the figure was measured on ("test accuracy on 1 000 of 10 000 images"), under the title. */
  readonly subtitle?: string;
}

const W = 520;
const H = 280;
/** Approximate advance of one character of the 10–11 px chart fonts, for laying out margins. */
const CHAR_W = 6.2;

/** Plot area of a chart: left, right, top, bottom in SVG units. */
interface Box {
  l: number;
  r: number;
  t: number;
  b: number;
}

/** A line chart with dots; `chart` names it for tests (data-chart attribute). */
export function lineChart(
  chart: string,
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  o: LineOptions = {},
): string {
  const all = series.flatMap((s) => s.points);
  const xa = niceAxis(
    all.map((p) => p[0]),
    { pad: 0, maxTicks: 7, ...o.x },
  );
  const ya = niceAxis(
    all.map((p) => p[1]),
    { maxTicks: 6, ...o.y },
  );
  const yLabels = ya.ticks.map((t) => tickLabel(t, ya.step));
  const legendW = series.length > 1 ? Math.min(320, 28 + CHAR_W * Math.max(...series.map((s) => s.name.length))) : 0;
  const width = W + legendW;
  const head = chartHeading(title, o.subtitle, width);
  const box: Box = {
    l: 26 + CHAR_W * Math.max(...yLabels.map((s) => s.length)) + 6,
    r: W - 16,
    t: head.top,
    b: H - 42,
  };
  const sx = (x: number): number => box.l + ((x - xa.lo) / (xa.hi - xa.lo || 1)) * (box.r - box.l);
  const sy = (y: number): number => box.b - ((y - ya.lo) / (ya.hi - ya.lo || 1)) * (box.b - box.t);
  const parts: string[] = [head.markup, axes(box, xLabel, yLabel)];
  ya.ticks.forEach((t, i) =>
    parts.push(
      `<line x1="${box.l}" x2="${box.r}" y1="${f(sy(t))}" y2="${f(sy(t))}" class="grid"/>`,
      `<text x="${box.l - 6}" y="${f(sy(t) + 3.5)}" text-anchor="end" class="tick" data-axis="y">${yLabels[i]}</text>`,
    ),
  );
  for (const t of xa.ticks)
    parts.push(
      `<text x="${f(sx(t))}" y="${box.b + 15}" text-anchor="middle" class="tick" data-axis="x">${tickLabel(t, xa.step)}</text>`,
    );
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(sx(p[0]))},${f(sy(p[1]))}`).join('');
    const opacity = s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`;
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${opacity} class="series" data-series="${esc(s.name)}"/>`,
    );
    if (s.dots !== false)
      for (const p of s.points)
        parts.push(
          `<circle cx="${f(sx(p[0]))}" cy="${f(sy(p[1]))}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${Number(p[1].toPrecision(4))}</title></circle>`,
        );
    if (legendW > 0) {
      const y = box.t + 8 + 16 * i;
      parts.push(
        `<line x1="${W}" x2="${W + 14}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="3"/>`,
        `<text x="${W + 18}" y="${y}" class="legend">${esc(s.name)}</text>`,
      );
    }
  });
  return svg(chart, parts, width, H);
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
  /** Printed at the end of the bar (default: the value to 3 significant digits). */
  readonly text?: string;
}

/**
 * One horizontal bar per row, on a linear axis from zero: lengths in proportion to the values, so a 7.4× gap
 * looks 7.4× long. Rows carry their labels on the left, where long layer names have room.
 */
export function barChart(
  chart: string,
  title: string,
  xLabel: string,
  bars: readonly Bar[],
  o: { subtitle?: string; color?: string; x?: AxisOptions } = {},
): string {
  const xa = niceAxis(
    bars.map((b) => b.value),
    { zero: true, pad: 0.02, maxTicks: 6, ...o.x },
  );
  const rowH = 24;
  const texts = bars.map((b) => b.text ?? String(Number(b.value.toPrecision(3))));
  const head = chartHeading(title, o.subtitle, W);
  const top = head.top;
  const box: Box = {
    l: 12 + CHAR_W * Math.max(0, ...bars.map((b) => b.label.length)) + 8,
    r: W - 16 - CHAR_W * Math.max(0, ...texts.map((t) => t.length)),
    t: top,
    b: top + rowH * bars.length + 6,
  };
  const height = box.b + 42;
  const sx = (v: number): number => box.l + ((v - xa.lo) / (xa.hi - xa.lo || 1)) * (box.r - box.l);
  const parts: string[] = [head.markup, axes(box, xLabel, '')];
  for (const t of xa.ticks)
    parts.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${box.t}" y2="${box.b}" class="grid"/>`,
      `<text x="${f(sx(t))}" y="${box.b + 15}" text-anchor="middle" class="tick" data-axis="x">${tickLabel(t, xa.step)}</text>`,
    );
  bars.forEach((b, i) => {
    const y = box.t + 6 + rowH * i;
    const end = sx(Math.max(b.value, 0));
    parts.push(
      `<text x="${box.l - 6}" y="${y + 12}" text-anchor="end" class="tick" data-axis="y">${esc(b.label)}</text>`,
      `<rect x="${box.l}" y="${y}" width="${f(end - box.l)}" height="${rowH - 8}" fill="${b.color ?? o.color ?? '#1f4e9c'}" class="bar"><title>${esc(b.label)}: ${esc(texts[i]!)}</title></rect>`,
      `<text x="${f(end + 4)}" y="${y + 12}" class="value">${esc(texts[i]!)}</text>`,
    );
  });
  return svg(chart, parts, W, height);
}

/** The plot's two axis lines and their titles (the y title rotated, left of the tick labels). */
function axes(box: Box, xLabel: string, yLabel: string): string {
  return (
    `<line x1="${box.l}" y1="${box.b}" x2="${box.r}" y2="${box.b}" class="axisline"/>` +
    `<line x1="${box.l}" y1="${box.t}" x2="${box.l}" y2="${box.b}" class="axisline"/>` +
    (xLabel === ''
      ? ''
      : `<text x="${(box.l + box.r) / 2}" y="${box.b + 32}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`) +
    (yLabel === ''
      ? ''
      : `<text transform="translate(14 ${(box.t + box.b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`)
  );
}

function f(v: number): string {
  return v.toFixed(1);
}

function svg(chart: string, parts: string[], width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${chart}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join('')}</svg>`;
}

/** Styles for the classes above, inlined into every page that shows these charts (and into exported files). */
export const CHART_CSS = `
svg .title{font:600 13px system-ui,sans-serif;fill:#222}
svg .subtitle{font:11px system-ui,sans-serif;fill:#666}
svg .tick{font:10px system-ui,sans-serif;fill:#555}
svg .value{font:10px system-ui,sans-serif;fill:#222}
svg .axis{font:11px system-ui,sans-serif;fill:#333}
svg .legend{font:11px system-ui,sans-serif;fill:#333}
svg .grid{stroke:#eee}
svg .axisline{stroke:#888}
svg .lane{fill:#f7f7f9;stroke:#ddd}
svg .lane-title{font:11px system-ui,sans-serif;fill:#333}
svg .class-label{font:9px system-ui,sans-serif;fill:#333}
svg .spike{fill:#1f4e9c}
`;

/** A labelled point of a scatter chart; `marked` points are drawn filled and joined in x order (e.g. a Pareto front). */
export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  readonly title: string;
  readonly marked: boolean;
}

/** Points with a text label each; the marked ones filled and joined by a line, the rest hollow. */
export function scatterChart(
  chart: string,
  title: string,
  xLabel: string,
  yLabel: string,
  points: readonly ScatterPoint[],
  color: string,
): string {
  const xa = niceAxis(points.map((p) => p.x));
  const ya = niceAxis(points.map((p) => p.y));
  const yLabels = ya.ticks.map((t) => tickLabel(t, ya.step));
  const box: Box = { l: 26 + CHAR_W * Math.max(...yLabels.map((s) => s.length)) + 6, r: W - 16, t: 30, b: H - 42 };
  const sx = (x: number): number => box.l + ((x - xa.lo) / (xa.hi - xa.lo || 1)) * (box.r - box.l);
  const sy = (y: number): number => box.b - ((y - ya.lo) / (ya.hi - ya.lo || 1)) * (box.b - box.t);
  const parts: string[] = [chartHeading(title, undefined, W).markup, axes(box, xLabel, yLabel)];
  ya.ticks.forEach((t, i) =>
    parts.push(
      `<line x1="${box.l}" x2="${box.r}" y1="${f(sy(t))}" y2="${f(sy(t))}" class="grid"/>`,
      `<text x="${box.l - 6}" y="${f(sy(t) + 3.5)}" text-anchor="end" class="tick">${yLabels[i]}</text>`,
    ),
  );
  for (const t of xa.ticks)
    parts.push(
      `<text x="${f(sx(t))}" y="${box.b + 15}" text-anchor="middle" class="tick">${tickLabel(t, xa.step)}</text>`,
    );
  const front = points.filter((p) => p.marked).sort((a, b) => a.x - b.x);
  if (front.length > 1) {
    const d = front.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.y))}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="4 3" class="front"/>`,
    );
  }
  for (const p of points) {
    const cx = f(sx(p.x));
    const cy = f(sy(p.y));
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${p.marked ? 4.5 : 3.5}" fill="${p.marked ? color : 'white'}" stroke="${color}" class="${p.marked ? 'point marked' : 'point'}"><title>${esc(p.title)}</title></circle>`,
      `<text x="${f(sx(p.x) + 6)}" y="${f(sy(p.y) - 6)}" class="tick">${esc(p.label)}</text>`,
    );
  }
  return svg(chart, parts, W, H);
}
