/** Layout checks on a rendered page: text boxes that overlap, and the tick labels of a chart's axis. */
import type { Page } from 'playwright-core';

/**
 * Pairs of text elements whose boxes (getBoundingClientRect) overlap by more than `slack` pixels in both
 * directions, within each SVG that `selector` matches: one line per pair, naming the chart and both texts.
 */
export async function overlappingTexts(page: Page, selector: string, slack = 1): Promise<string[]> {
  return page.evaluate(
    ({ selector, slack }) => {
      // the DOM types of the page, as far as this check reads them (the tests compile without the DOM lib)
      type Box = { left: number; right: number; top: number; bottom: number };
      type El = {
        textContent: string | null;
        getAttribute(n: string): string | null;
        getBoundingClientRect(): Box;
        querySelectorAll(s: string): ArrayLike<El>;
      };
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
      const out: string[] = [];
      for (const svg of Array.from(doc.querySelectorAll(selector))) {
        const boxes = Array.from(svg.querySelectorAll('text')).map((t) => ({
          text: t.textContent ?? '',
          r: t.getBoundingClientRect(),
        }));
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!.r;
            const b = boxes[j]!.r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > slack && h > slack)
              out.push(`${svg.getAttribute('data-chart')}: "${boxes[i]!.text}" overlaps "${boxes[j]!.text}"`);
          }
      }
      return out;
    },
    { selector, slack },
  );
}

/** The numbers of a chart's tick labels on one axis (data-axis="x" or "y"), in document order. */
export async function axisTicks(page: Page, chart: string, axis: 'x' | 'y'): Promise<number[]> {
  const texts = await page.locator(`svg[data-chart="${chart}"] text[data-axis="${axis}"]`).allTextContents();
  return texts.map(Number);
}

/** Whether `step` is 1, 2 or 5 × 10^k and every tick a whole multiple of it, evenly spaced. */
export function roundTicks(ticks: readonly number[]): boolean {
  if (ticks.length < 2) return false;
  const step = ticks[1]! - ticks[0]!;
  const mantissa = Math.abs(step) / 10 ** Math.floor(Math.log10(Math.abs(step)) + 1e-12);
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return false;
  return ticks.every(
    (t, i) =>
      Math.abs(t - ticks[0]! - i * step) < 1e-6 * Math.abs(step) + 1e-9 &&
      Math.abs(t / step - Math.round(t / step)) < 1e-6,
  );
}
