/** Numbers as the report writes them in sentences and tables. */

/** 10000 → "10 000" (a thin space would be nicer, but a plain space copies into papers unchanged). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** An accuracy as a percentage with two decimals (99.12 %, 8.00 %). */
export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(2)} %`;
}

/** A firing rate as a percentage with three significant digits (13.5 %, 2.71 %, 0.412 %). */
export function ratePercent(fraction: number): string {
  const p = 100 * fraction;
  return p === 0 ? '0 %' : `${Number(p.toPrecision(3))} %`;
}
