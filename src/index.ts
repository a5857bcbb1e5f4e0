/**
 * spikerep — train low-latency spiking neural networks by Differentiation on Spike Representation (DSR).
 * The public surface, in layers from the bottom up: kernels → neurons and layers → models → training.
 */

// data
export * as data from './data/index.js';
export type { ErrorCode } from './errors.js';
// errors, randomness, tensors
export { isSpikerepError, SpikerepError } from './errors.js';
// kernels and backends
export { createKernels, disposeKernels } from './kernels/backend.js';
export { convGeometry, poolGeometry } from './kernels/geometry.js';
export type { BackendName, Buf, ConvGeometry, Kernels } from './kernels/kernels.js';
export { ReferenceKernels, reference } from './kernels/reference/index.js';
export type { ModelName, ModelOptions, NeuronChoice, NeuronOverrides, NeuronSpec } from './models/index.js';
// models
export { Builder, buildModel, MODEL_NAMES, NEURON_CHOICES, neuronSpec } from './models/index.js';
export { mnistNet } from './models/mnistnet.js';
export { preActResNet18 } from './models/preact-resnet18.js';
export { AvgPool2d } from './nn/avgpool.js';
export { BatchNorm } from './nn/batchnorm.js';
export type { WeightLayer } from './nn/bn-correction.js';
export { Conv2d } from './nn/conv2d.js';
export { Dropout } from './nn/dropout.js';
export { Flatten } from './nn/flatten.js';
// layers
export type { BatchStatistics, Layer, RunContext, Timing } from './nn/layer.js';
export { Linear } from './nn/linear.js';
export { argmaxRows, countCorrect, crossEntropy } from './nn/loss.js';
export type { Encoding, ForwardOptions } from './nn/network.js';
export { Network } from './nn/network.js';
export type { NeuronMode, SpikingNeuronOptions } from './nn/neuron-layer.js';
export { SpikingNeuron } from './nn/neuron-layer.js';
export type { NormBranch } from './nn/norm-block.js';
export { NormBlock } from './nn/norm-block.js';
export type { Param, ParamRole } from './nn/param.js';
export type { QuantScale, WeightBits, WeightQuant } from './nn/quant.js';
// quantisation (--weight-bits, spikerep quantize, export targets)
export { fakeQuantize, integerWeights, QUANT_SCALES, WEIGHT_BITS, weightScales } from './nn/quant.js';
export { RateReadout } from './nn/readout.js';
export { Residual } from './nn/residual.js';
export type { EvalMode, RunMode, StepWindow, TrainMode } from './nn/run-mode.js';
export { evalMode, trainMode } from './nn/run-mode.js';
export { Sequential } from './nn/sequential.js';
export { layersOf, neuronLayers } from './nn/walk.js';
export { adam } from './optim/adam.js';
export type { AdamState, Optimizer, OptimizerState, SgdState } from './optim/optimizer.js';
export { zeroGrad } from './optim/optimizer.js';
export type { Schedule } from './optim/schedule.js';
export { constantLr, cosineWarmup } from './optim/schedule.js';
// optimisers and schedules
export { sgd } from './optim/sgd.js';
export { collectReport, readRunJson, writeReport } from './report/collect.js';
export type { ReportData, RunSummary } from './report/html.js';
// reports (NIR lives in the 'spikerep/nir' entry, so that h5wasm loads only when used)
export { reportHtml } from './report/html.js';
export type { RngState } from './rng.js';
export { Rng } from './rng.js';
// signals and audio into spikes
export * as signal from './signal/index.js';
export type { CubaLifConfig, IfConfig, LifConfig, NeuronConfig } from './snn/config.js';
export { CUBALIF_DEFAULTS, cubaLifConfig, IF_DEFAULTS, ifConfig, LIF_DEFAULTS, lifConfig } from './snn/config.js';
export type { NeuronBackward, NeuronForward } from './snn/functional.js';
// spiking neurons: the functional API and the configuration
export { clampThreshold, neuron } from './snn/functional.js';
export type { NeuronModel } from './snn/model.js';
export { neuronModel, representationWeights } from './snn/model.js';
export { DEFAULT_SURROGATE_SLOPE, sigmoidSurrogate } from './snn/surrogate.js';
export type { Tensor } from './tensor.js';
export { sizeOf, tensor } from './tensor.js';
export type { Calibration, CalibrationOptions } from './train/calibrate.js';
export { calibrateThresholds } from './train/calibrate.js';
export { loadCheckpoint, saveCheckpoint } from './train/checkpoint.js';
export type { TrainConfig } from './train/config.js';
export { DEFAULT_CONFIG, effectiveSettings, TRAIN_FIELDS, trainConfig, validateConfig } from './train/config.js';
export type { EpochRecord, TrainResult } from './train/loop.js';
export { evaluate, train } from './train/loop.js';
export type { RunMetrics } from './train/metrics.js';
export { ENERGY_PJ } from './train/metrics.js';
export type { Recipe } from './train/recipe.js';
export { listRecipes, loadRecipe, parseRecipe, resolveConfig } from './train/recipe.js';
export type { SweepPoint } from './train/smallest-t.js';
export { defaultSweep, parseTSweep, smallestTSentence, smallestTWithin } from './train/smallest-t.js';
export { modelFromCheckpoint } from './train/state.js';
export type { Batch } from './train/step.js';
// training
export { predict, trainStep } from './train/step.js';
export { accuracyAgainstT, networkAtT } from './train/t-sweep.js';
