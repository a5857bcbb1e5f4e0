/** The hardware targets `spikerep export --target` knows, apart from their checks so that naming one loads none. */
export const TARGET_NAMES = ['generic', 'speck', 'xylo', 'loihi2'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];
