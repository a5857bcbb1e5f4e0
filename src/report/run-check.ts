/**
 * The shape check of a run JSON before the report reads it: the file is the user's (possibly edited, truncated or
 * from another tool), so a wrong field is named in one line instead of failing somewhere inside a chart.
 */

type Fields = Record<string, 'number' | 'string' | 'number?' | 'number|null?'>;

const EPOCH: Fields = {
  epoch: 'number',
  trainLoss: 'number',
  trainAccuracy: 'number',
  testAccuracy: 'number',
  valAccuracy: 'number|null?',
};
const STEP: Fields = { step: 'number', epoch: 'number', loss: 'number', accuracy: 'number' };
const RATE: Fields = { layer: 'string', firingRate: 'number' };
const VTH: Fields = { layer: 'string', vth: 'number' };
const TOP: Fields = {
  testAccuracy: 'number?',
  T: 'number?',
  testImages: 'number?',
  testSetSize: 'number?',
  synOps: 'number?',
  energyJoules: 'number?',
  annEnergyJoules: 'number?',
};

/** What is wrong with `v` as a run summary (e.g. "history[2].trainLoss: expected a number"), or undefined. */
export function runJsonProblem(v: Record<string, unknown>): string | undefined {
  const fields = (o: unknown, spec: Fields, at: string): string | undefined => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return `${at}: expected an object`;
    const r = o as Record<string, unknown>;
    for (const [k, kind] of Object.entries(spec)) {
      const x = r[k];
      const optional = kind.endsWith('?');
      if (x === undefined && optional) continue;
      if (x === null && kind === 'number|null?') continue;
      const ok = kind.startsWith('number') ? typeof x === 'number' && Number.isFinite(x) : typeof x === 'string';
      if (!ok)
        return `${at === '' ? '' : `${at}.`}${k}: expected ${kind.startsWith('number') ? 'a finite number' : 'a string'}`;
    }
    return undefined;
  };
  const list = (key: string, spec: Fields, each?: (o: Record<string, unknown>, at: string) => string | undefined) => {
    const xs = v[key];
    if (xs === undefined) return undefined;
    if (!Array.isArray(xs)) return `${key}: expected a list`;
    for (const [i, x] of xs.entries()) {
      const p = fields(x, spec, `${key}[${i}]`) ?? each?.(x as Record<string, unknown>, `${key}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  };
  const steps = (e: Record<string, unknown>, at: string): string | undefined => {
    if (e['steps'] === undefined) return undefined;
    if (!Array.isArray(e['steps'])) return `${at}.steps: expected a list`;
    for (const [j, s] of e['steps'].entries()) {
      const p = fields(s, STEP, `${at}.steps[${j}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  };
  return (
    fields(v, TOP, '') ??
    list('history', EPOCH, steps) ??
    list('firingRates', RATE) ??
    list('thresholds', VTH) ??
    (v['machine'] !== undefined && (typeof v['machine'] !== 'object' || v['machine'] === null)
      ? 'machine: expected an object'
      : undefined)
  );
}
