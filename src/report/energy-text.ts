/**
 * The sentence comparing a run's estimated energy with the ANN of the same shape, in the direction that is true:
 * "uses 1.24× more" when the SNN costs more, "uses 0.12× of … (8.3× less)" when it costs less, and no ratio at all
 * when the run is the ANN itself.
 */

/** Joules as the report prints them: the unit that keeps the number between 1 and 1000. */
export function formatJoules(j: number): string {
  const units: [number, string][] = [
    [1, 'J'],
    [1e-3, 'mJ'],
    [1e-6, 'µJ'],
    [1e-9, 'nJ'],
    [1e-12, 'pJ'],
  ];
  for (const [scale, unit] of units) if (Math.abs(j) >= scale) return `${(j / scale).toPrecision(3)} ${unit}`;
  return `${(j / 1e-12).toPrecision(3)} pJ`;
}

/** A ratio with two decimals below 10 (1.24×, 0.80×) and fewer above (12.5×, 134×). */
export function formatRatio(r: number): string {
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/**
 * `snnJ` and `annJ` per image; `neuron` is the run's neuron kind ('ann'/'relu' runs are the ANN). The sentence
 * starts in lower case so it can follow a colon.
 */
export function energySentence(snnJ: number, annJ: number, neuron?: string): string {
  if (neuron === 'ann' || neuron === 'relu')
    return `this run is the ANN: ${formatJoules(annJ)} per image, every operation a multiply-accumulate`;
  if (!(snnJ > 0) || !(annJ > 0)) return `the SNN uses ${formatJoules(snnJ)} per image, the ANN ${formatJoules(annJ)}`;
  const ratio = snnJ / annJ;
  const both = `${formatJoules(snnJ)} against ${formatJoules(annJ)} per image`;
  // equal to the printed precision: no "1.00× more"
  if (formatRatio(ratio) === '1.00×') return `the SNN uses as much energy as the ANN (${both})`;
  if (ratio > 1) return `the SNN uses ${formatRatio(ratio)} more energy than the ANN (${both})`;
  return `the SNN uses ${formatRatio(ratio)} of the ANN's energy, ${formatRatio(1 / ratio)} less (${both})`;
}
