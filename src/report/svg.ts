/**
 * Small hand-written SVG charts (line, grouped bars, spike raster) returned as strings: no library, nothing to
 * bundle, viewable offline. Browser-safe; the demo page draws its raster with the same function.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
}

const W = 520;
const H = 260;
const M = { l: 56, r: 16, t: 28, b: 40 };

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

function ticks(lo: number, hi: number, n = 5): number[] {
  if (hi <= lo) return [lo];
  const step = (hi - lo) / (n - 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

/** A line chart with dots; `chart` names it for tests (data-chart attribute). */
export function lineChart(
  chart: string,
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  yRange?: [number, number],
): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs);
  const [y0, y1] = yRange ?? [Math.min(0, ...ys), Math.max(...ys) * 1.05 || 1];
  const R = series.length > 1 ? 112 : M.r; // room for the legend right of the plot
  const sx = (x: number): number => M.l + (x1 === x0 ? (W - M.l - R) / 2 : ((x - x0) / (x1 - x0)) * (W - M.l - R));
  const sy = (y: number): number => H - M.b - ((y - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  const parts: string[] = [frame(title, xLabel, yLabel, R)];
  for (const t of ticks(y0, y1))
    parts.push(
      `<text x="${M.l - 6}" y="${sy(t) + 4}" text-anchor="end" class="tick">${fmt(t)}</text><line x1="${M.l}" x2="${W - R}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>`,
    );
  const xt = [...new Set(xs)].sort((a, b) => a - b);
  for (const t of xt.length <= 12 ? xt : ticks(x0, x1))
    parts.push(`<text x="${sx(t)}" y="${H - M.b + 16}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" class="series"/>`);
    for (const p of s.points)
      parts.push(
        `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${fmt(p[1])}</title></circle>`,
      );
    parts.push(
      `<text x="${R === M.r ? W - M.r - 4 : W - R + 8}" y="${M.t + 12 + 14 * i}" text-anchor="${R === M.r ? 'end' : 'start'}" fill="${s.color}" class="legend">${esc(s.name)}</text>`,
    );
  });
  return svg(chart, parts);
}

/** Bars per category, one bar per series within each category (e.g. SNN vs ANN energy). */
export function barChart(
  chart: string,
  title: string,
  yLabel: string,
  categories: readonly string[],
  series: readonly { name: string; values: readonly number[]; color: string }[],
  log = false,
): string {
  const vals = series.flatMap((s) => s.values);
  const tf = (v: number): number => (log ? Math.log10(Math.max(v, 1e-30)) : v);
  const lo = log ? Math.floor(Math.min(...vals.map(tf))) : 0;
  const hi = log ? Math.ceil(Math.max(...vals.map(tf))) : Math.max(...vals) * 1.1 || 1;
  const sy = (v: number): number => H - M.b - ((tf(v) - lo) / (hi - lo || 1)) * (H - M.t - M.b);
  const band = (W - M.l - M.r) / Math.max(categories.length, 1);
  const bw = (band * 0.8) / Math.max(series.length, 1);
  const parts: string[] = [frame(title, '', yLabel)];
  const yTicks = log ? Array.from({ length: hi - lo + 1 }, (_, i) => lo + i) : ticks(lo, hi);
  for (const t of yTicks) {
    const v = log ? 10 ** t : t;
    parts.push(
      `<text x="${M.l - 6}" y="${sy(v) + 4}" text-anchor="end" class="tick">${log ? `1e${t}` : fmt(t)}</text><line x1="${M.l}" x2="${W - M.r}" y1="${sy(v)}" y2="${sy(v)}" class="grid"/>`,
    );
  }
  categories.forEach((c, i) => {
    parts.push(
      `<text x="${M.l + band * (i + 0.5)}" y="${H - M.b + 16}" text-anchor="middle" class="tick">${esc(c)}</text>`,
    );
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const x = M.l + band * i + band * 0.1 + bw * j;
      const y = sy(v);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0, H - M.b - y).toFixed(1)}" fill="${s.color}" class="bar"><title>${esc(s.name)} ${esc(c)}: ${fmt(v)}</title></rect>`,
      );
    });
  });
  series.forEach((s, j) =>
    parts.push(
      `<text x="${W - M.r - 4}" y="${M.t + 12 + 14 * j}" text-anchor="end" fill="${s.color}" class="legend">${esc(s.name)}</text>`,
    ),
  );
  return svg(chart, parts);
}

/** One raster per layer stacked vertically: a dot per spike, x = time step, y = neuron (most active shown). */
export function rasterChart(
  chart: string,
  title: string,
  T: number,
  layers: readonly { layer: string; neurons: number; spikes: readonly (readonly number[])[] }[],
): string {
  const rowH = 3;
  const laneGap = 22;
  const left = 96;
  const width = 680;
  const plotW = width - left - 150;
  const parts: string[] = [];
  let y = M.t;
  for (const l of layers) {
    const shown = l.spikes[0]?.length ?? 0;
    const h = Math.max(shown * rowH, 6);
    parts.push(`<text x="${left - 6}" y="${y + h / 2 + 4}" text-anchor="end" class="tick">${esc(l.layer)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${plotW}" height="${h}" class="lane"/>`);
    const dx = plotW / T;
    let count = 0;
    for (let t = 0; t < T; t++) {
      const row = l.spikes[t] ?? [];
      for (let j = 0; j < row.length; j++) {
        if (row[j]) {
          parts.push(
            `<rect x="${(left + t * dx + dx * 0.15).toFixed(1)}" y="${y + j * rowH}" width="${(dx * 0.7).toFixed(1)}" height="${rowH - 0.6}" class="spike"/>`,
          );
          count++;
        }
      }
    }
    parts.push(
      `<text x="${left + plotW + 6}" y="${y + h / 2 + 4}" class="tick">${count} spikes / ${shown} of ${l.neurons}</text>`,
    );
    y += h + laneGap;
  }
  for (let t = 0; t < T; t++)
    parts.push(
      `<text x="${left + (t + 0.5) * (plotW / T)}" y="${y}" text-anchor="middle" class="tick">${t + 1}</text>`,
    );
  parts.push(`<text x="${left + plotW / 2}" y="${y + 16}" text-anchor="middle" class="axis">time step</text>`);
  parts.unshift(`<text x="${width / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${chart}" viewBox="0 0 ${width} ${y + 26}" width="${width}" height="${y + 26}" role="img">${parts.join('')}</svg>`;
}

function frame(title: string, xLabel: string, yLabel: string, right = M.r): string {
  return (
    `<text x="${W / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>` +
    `<line x1="${M.l}" y1="${H - M.b}" x2="${W - right}" y2="${H - M.b}" class="axisline"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" class="axisline"/>` +
    `<text x="${(M.l + W - right) / 2}" y="${H - 6}" text-anchor="middle" class="axis">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`
  );
}

function svg(chart: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${chart}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${parts.join('')}</svg>`;
}

/** Styles for the classes above, inlined into every page that shows these charts. */
export const CHART_CSS = `
svg .title{font:600 13px system-ui,sans-serif;fill:#222}
svg .tick{font:10px system-ui,sans-serif;fill:#555}
svg .axis{font:11px system-ui,sans-serif;fill:#333}
svg .legend{font:11px system-ui,sans-serif}
svg .grid{stroke:#eee}
svg .axisline{stroke:#888}
svg .lane{fill:#f7f7f9;stroke:#ddd}
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
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const pad = (lo: number, hi: number): [number, number] => {
    const d = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
    return [lo - d, hi + d];
  };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = (x: number): number => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number): number => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
  const parts: string[] = [frame(title, xLabel, yLabel)];
  for (const t of ticks(y0, y1))
    parts.push(
      `<text x="${M.l - 6}" y="${sy(t) + 4}" text-anchor="end" class="tick">${fmt(t)}</text><line x1="${M.l}" x2="${W - M.r}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>`,
    );
  for (const t of ticks(x0, x1))
    parts.push(`<text x="${sx(t)}" y="${H - M.b + 16}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  const front = points.filter((p) => p.marked).sort((a, b) => a.x - b.x);
  if (front.length > 1) {
    const d = front.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-dasharray="4 3" class="front"/>`,
    );
  }
  for (const p of points) {
    const cx = sx(p.x).toFixed(1);
    const cy = sy(p.y).toFixed(1);
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${p.marked ? 4.5 : 3.5}" fill="${p.marked ? color : 'white'}" stroke="${color}" class="${p.marked ? 'point marked' : 'point'}"><title>${esc(p.title)}</title></circle>`,
      `<text x="${(sx(p.x) + 6).toFixed(1)}" y="${(sy(p.y) - 6).toFixed(1)}" class="tick">${esc(p.label)}</text>`,
    );
  }
  return svg(chart, parts);
}
