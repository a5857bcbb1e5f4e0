import type { TrainResult } from '../train/loop.js';
import { terminalWidth } from '../train/progress.js';

/** The widest a summary line gets: read in a log or a wide terminal without wrapping. */
export const SUMMARY_MOST = 100;

/**
 * `train`'s one result line, last, where it is seen: the test accuracy first, which epoch it is and how it was
 * chosen, the dataset, neuron and T, then the speed when there is room. The most detailed form that fits `width`
 * is printed; firing rates, synaptic operations, energy and the file paths are in the `--json` result.
 */
export function trainSummary(r: TrainResult, width: number = SUMMARY_MOST): string {
  const ran = r.history.length;
  const epoch = `epoch ${r.bestEpoch}/${ran}`;
  const chosen =
    r.selection.by === 'validation'
      ? {
          long: `${epoch} chosen on ${r.selection.images} validation images (${pct(r.valAccuracy!)})`,
          short: `${epoch}, val ${pct(r.valAccuracy!)}`,
        }
      : { long: 'last epoch (no validation split)', short: 'last epoch' };
  const accuracy = `test accuracy ${pct(r.testAccuracy)}`;
  const run = `${r.dataset} ${r.neuron} T=${r.T}`;
  const speed = `${r.imagesPerSecond.toFixed(0)} img/s`;
  const candidates = [
    [accuracy, chosen.long, run, `${speed} on ${r.backend}×${r.threads}`],
    [accuracy, chosen.long, run, speed],
    [accuracy, chosen.long, run],
    [accuracy, chosen.short, run, speed],
    [accuracy, chosen.short, run],
    [accuracy, run],
    [accuracy],
  ].map((parts) => parts.join(' | '));
  const fits = candidates.find((line) => line.length <= width);
  if (fits !== undefined) return fits;
  // a width narrower than the test accuracy itself: the one place the line is cut
  return `${accuracy.slice(0, Math.max(0, width - 1))}…`;
}

/** The summary's width: the terminal's when stdout is one (wrapping would break the line), else SUMMARY_MOST. */
export function summaryWidth(stdout: { isTTY?: boolean; columns?: number }): number {
  return stdout.isTTY === true ? Math.min(SUMMARY_MOST, terminalWidth(stdout)) : SUMMARY_MOST;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
