/**
 * The kinds of noise a robustness sweep applies, each with its level's meaning and the levels swept by default
 * (0, the clean network, included). docs/robustness.md states each rule.
 */
import { SpikerepError } from '../errors.js';

export const NOISE_KINDS = ['gaussian', 'salt-pepper', 'deletion', 'jitter', 'extra', 'weight', 'threshold'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** Where a kind acts: on the input images, on every spiking layer's output, or on the network's parameters. */
export type NoiseSite = 'input' | 'spikes' | 'device';

export interface NoiseKindInfo {
  readonly site: NoiseSite;
  /** The level's symbol and meaning, for tables, axes and help. */
  readonly level: string;
  readonly levels: readonly number[];
  /** Levels are whole numbers (time steps). */
  readonly integer: boolean;
  /** The largest meaningful level (a probability's 1). */
  readonly max: number;
}

export const NOISE_INFO: Readonly<Record<NoiseKind, NoiseKindInfo>> = {
  gaussian: { site: 'input', level: 'σ (intensity)', levels: [0, 0.1, 0.2, 0.3, 0.5], integer: false, max: Infinity },
  'salt-pepper': { site: 'input', level: 'fraction', levels: [0, 0.05, 0.1, 0.2, 0.3], integer: false, max: 1 },
  deletion: { site: 'spikes', level: 'p', levels: [0, 0.1, 0.2, 0.3, 0.5], integer: false, max: 1 },
  jitter: { site: 'spikes', level: '±k steps', levels: [0, 1, 2, 3], integer: true, max: Infinity },
  extra: { site: 'spikes', level: 'rate', levels: [0, 0.01, 0.02, 0.05, 0.1], integer: false, max: 1 },
  weight: { site: 'device', level: 'σ / std(w)', levels: [0, 0.1, 0.2, 0.3, 0.5], integer: false, max: Infinity },
  threshold: { site: 'device', level: 'σ / Vth', levels: [0, 0.1, 0.2, 0.3, 0.5], integer: false, max: Infinity },
};

/** Kinds a training run can add (`--train-noise`): those drawn afresh for every batch, not a fixed device. */
export const TRAIN_NOISE_KINDS: readonly NoiseKind[] = ['gaussian', 'salt-pepper', 'deletion', 'jitter', 'extra'];

export interface NoiseSetting {
  readonly kind: NoiseKind;
  readonly level: number;
}

/** A level of a kind, checked; `where` names the option or setting for the error. */
export function checkLevel(kind: NoiseKind, level: number, where: string): number {
  const info = NOISE_INFO[kind];
  const ok = Number.isFinite(level) && level >= 0 && level <= info.max && (!info.integer || Number.isInteger(level));
  if (!ok) {
    const range = info.integer ? 'an integer ≥ 0' : info.max === 1 ? 'in [0, 1]' : 'a number ≥ 0';
    throw new SpikerepError('E_ARG', `${kind} level (${info.level}) must be ${range}, got ${level}`, where);
  }
  return level;
}

/** "gaussian:0.2" → { kind, level }, for `--train-noise`. */
export function parseNoiseSetting(
  text: string,
  where: string,
  kinds: readonly NoiseKind[] = NOISE_KINDS,
): NoiseSetting {
  const m = /^([a-z-]+):(.+)$/.exec(text.trim());
  const kind = m?.[1] as NoiseKind | undefined;
  if (m === null || kind === undefined || !kinds.includes(kind)) {
    throw new SpikerepError('E_ARG', `expected KIND:LEVEL with KIND one of ${kinds.join('|')}, got '${text}'`, where);
  }
  return { kind, level: checkLevel(kind, Number(m[2]), where) };
}

/** What is wrong with a KIND:LEVEL text (undefined when nothing is), for schema fields. */
export function noiseSettingProblem(text: string, kinds: readonly NoiseKind[]): string | undefined {
  try {
    parseNoiseSetting(text, '', kinds);
    return undefined;
  } catch (e) {
    return e instanceof SpikerepError ? e.message.replace(/^: /, '') : String(e);
  }
}

/** "deletion,jitter" → the kinds, in the order NOISE_KINDS lists them; undefined for all. */
export function parseKinds(text: string | undefined, where: string): NoiseKind[] {
  if (text === undefined) return [...NOISE_KINDS];
  const asked = text.split(',').map((s) => s.trim());
  for (const a of asked) {
    if (!(NOISE_KINDS as readonly string[]).includes(a))
      throw new SpikerepError('E_ARG', `expected noise kinds among ${NOISE_KINDS.join(',')}, got '${a}'`, where);
  }
  return NOISE_KINDS.filter((k) => asked.includes(k));
}
