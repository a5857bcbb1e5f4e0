/**
 * One progress line, made to fit a width: `epoch 1/2 [████░░░░] 120/860 14% | loss 0.2134 | acc 91.20% |
 * img/s 1234 | ETA 1m05s`. When the line is too wide the bar shrinks first, then whole fields go, the least useful
 * first; a field is never cut in the middle. The label and the count always stay.
 */
export interface ProgressFields {
  /** What is running: `epoch 1/2`, `eval test`. */
  label: string;
  done: number;
  total: number;
  /** Seconds left; undefined before there is a rate to go by. */
  eta: number | undefined;
  /** Named values, shown in this order; `FIELD_KEEP` says which go first. */
  values: Readonly<Record<string, string>>;
  /** Draw a bar (a terminal); without one the line is a log line. */
  bar: boolean;
}

/**
 * How long each part stays as the width shrinks: the lowest goes first. A value whose name is not listed has
 * rank 0. The bar sits between the rates and the accuracy: what a person watches is how far along the run is,
 * how long it has left and how well it learns; loss and throughput are details.
 */
export const FIELD_KEEP: Readonly<Record<string, number>> = { loss: 1, 'img/s': 2, acc: 4 };
const BAR_KEEP = 3;
const PERCENT_KEEP = 5;
const ETA_KEEP = 6;

/** The bar's width between its brackets: it takes the room left up to the most, and is dropped below the least. */
export const BAR_MOST = 30;
export const BAR_LEAST = 8;

const SEPARATOR = ' | ';

interface Part {
  text: string;
  keep: number;
}

export function formatProgress(f: ProgressFields, width: number): string {
  const count = `${f.done}/${f.total}`;
  const percent = f.total > 0 ? `${Math.floor((100 * Math.min(f.done, f.total)) / f.total)}%` : '';
  const parts: Part[] = [
    ...Object.entries(f.values).map(([name, value]) => ({ text: `${name} ${value}`, keep: FIELD_KEEP[name] ?? 0 })),
    { text: `ETA ${f.eta === undefined ? '--' : formatDuration(f.eta)}`, keep: ETA_KEEP },
  ];
  let withBar = f.bar;
  let withPercent = percent !== '';
  // parts are dropped lowest rank first; the bar and the percentage take part in the same order
  const ranks = [...new Set([...parts.map((p) => p.keep), BAR_KEEP, PERCENT_KEEP])].sort((a, b) => a - b);
  for (const rank of [Number.NEGATIVE_INFINITY, ...ranks]) {
    const kept = parts.filter((p) => p.keep > rank);
    withBar &&= BAR_KEEP > rank;
    withPercent &&= PERCENT_KEEP > rank;
    const head = `${f.label} ${count}${withPercent ? ` ${percent}` : ''}`;
    const line = [head, ...kept.map((p) => p.text)].join(SEPARATOR);
    if (!withBar) {
      if (line.length <= width) return line;
      continue;
    }
    // the bar goes between the label and the count: `label [bar] count`, three more columns than its inside
    const room = width - line.length - 3;
    if (room >= BAR_LEAST) {
      const inside = Math.min(BAR_MOST, room);
      return `${f.label} ${bar(f.done, f.total, inside)} ${line.slice(f.label.length + 1)}`;
    }
  }
  // not even the label and the count fit: the one place a line is cut
  return `${f.label} ${count}`.slice(0, Math.max(0, width));
}

function bar(done: number, total: number, inside: number): string {
  const full = total > 0 ? Math.round((inside * Math.min(done, total)) / total) : 0;
  return `[${'█'.repeat(full)}${'░'.repeat(inside - full)}]`;
}

/** 45s, 3m05s, 2h07m: short and with a unit, so the width hardly moves as the time counts down. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A message split at spaces into lines of at most `width` columns, the continuation lines indented by two; a word
 * longer than a line (a path) is kept whole on a line of its own rather than cut.
 */
export function wrapLine(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const joined = line === '' ? word : `${line} ${word}`;
    if (joined.length <= width || line.trim() === '') line = joined;
    else {
      lines.push(line);
      line = `  ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
