import { SpikerepError } from '../errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** "90s", "30m", "2h", "1h30m" as seconds; one E_ARG line naming `setting` for anything else. */
export function parseDuration(text: string, setting = 'budget'): number {
  const s = text.trim();
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)\s*([smh])/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole.replace(/\s/g, '') !== s.replace(/\s/g, '')) {
    throw new SpikerepError('E_ARG', `expected a duration such as 90s, 30m, 2h or 1h30m, got '${text}'`, setting);
  }
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
  if (!(seconds > 0)) throw new SpikerepError('E_ARG', `must be longer than 0 s, got '${text}'`, setting);
  return seconds;
}

/** 5400 → "1h30m", 95 → "1m35s": the inverse, for progress and reports. */
export function formatDuration(seconds: number): string {
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
