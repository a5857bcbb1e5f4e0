/** The wasm kernel module: every export is a thread entry point or a small helper the main thread calls. */
export { gemmRows, gemmCols, GEMM_SCRATCH } from './gemm';
export { packConvW, packConvWT, convFwd, convBwdInput, convBwdFilter, convScratch, convBwdFilterRows, filterPartialBytes } from './conv';
export { convNarrowFwd, convNarrowFilterRows, narrowScratch } from './conv-narrow';
export { avgPoolFwd, avgPoolBwd } from './pool';
export { colSums, colMoments, rowAffine, addRowVec, colSumsShared, rowAffineShared } from './colsum';
export { neuronFwd, neuronPoolFwd, neuronFwdAny, timeReduce, timeBroadcast, clampBwd, clamp } from './neuron';
export { ew, ewRows, sumRange } from './elementwise';
export { sgd, adam } from './optim';
export { bpttBwd } from './bptt';
export { packBits, unpackBits } from './bits';
export { transpose } from './transpose';
export { packConvWTTaps, convBwdInputPhase, convPhaseScratch } from './convphase';
export { convSparseFwd, countNonzero, sparseScratch, convSparseBwdFilter, sparseFilterScratch } from './sparse';
export { convSparseFwdCross, convSparseBwdFilterSlots, sparseCrossScratch, crossSlotBytes, crossReduce } from './sparse-cross';
