/** Signals and audio into spikes: encoders for [T, C] signals and the audio front end (docs/signals.md). */
export * from './audio/fft.js';
export * from './audio/framing.js';
export * from './audio/frontend.js';
export * from './audio/gammatone.js';
export * from './audio/mel.js';
export * from './audio/noise.js';
export * from './audio/pre-emphasis.js';
export * from './delta.js';
export * from './encode.js';
export * from './level-crossing.js';
export * from './poisson-window.js';
export * from './population.js';
export * from './scale.js';
export * from './signal.js';
export * from './step-forward.js';
