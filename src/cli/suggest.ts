/**
 * The flag or command a user probably meant. A spelling that differs only in case is the answer (`--t` is `--T`,
 * not `--dt`, which a plain edit distance would pick); then the closest by edits, if close enough to be a typo;
 * then the one name the typed text starts.
 */

/** Edits (insert, delete, replace, swap two neighbours) turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

export function closestName(typed: string, names: readonly string[]): string | undefined {
  const sameCase = names.find((n) => n === typed);
  if (sameCase !== undefined) return sameCase;
  const lower = typed.toLowerCase();
  const anyCase = names.find((n) => n.toLowerCase() === lower);
  if (anyCase !== undefined) return anyCase;
  const bare = (s: string): string => s.replace(/^-+/, '').toLowerCase();
  const word = bare(typed);
  let best: { name: string; distance: number } | undefined;
  for (const n of names) {
    const distance = editDistance(word, bare(n));
    if (best === undefined || distance < best.distance) best = { name: n, distance };
  }
  // a typo keeps most of the word: at most a third of its letters changed
  if (best !== undefined && word.length > 1 && best.distance <= Math.max(1, Math.floor(word.length / 3)))
    return best.name;
  const started = names.filter((n) => word.length > 0 && bare(n).startsWith(word));
  return started.length === 1 ? started[0] : undefined;
}
