/**
 * Spike lists (time in seconds, unit index) → T frames of counts, [T, units] row-major: spike (t, u) is counted in
 * frame ⌊t / window · T⌋ of unit u. Spikes at or after `window` seconds, before 0, or on a unit outside [0, units)
 * are dropped, so every sample has the same shape whatever its length.
 */
export function binSpikes(
  times: ArrayLike<number>,
  units: ArrayLike<number>,
  T: number,
  window: number,
  channels: number,
  out: Float32Array,
): void {
  out.fill(0, 0, T * channels);
  const n = Math.min(times.length, units.length);
  for (let k = 0; k < n; k++) {
    const t = times[k]!;
    const u = units[k]!;
    if (!(t >= 0 && t < window) || !(u >= 0 && u < channels)) continue;
    const frame = Math.min(T - 1, Math.floor((t / window) * T));
    out[frame * channels + u]! += 1;
  }
}
