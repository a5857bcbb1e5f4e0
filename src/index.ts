/**
 * spikerep — train low-latency spiking neural networks by Differentiation on Spike Representation (DSR).
 * The public surface, in layers from the bottom up: kernels → neurons and layers → models → training.
 */

// errors, randomness, tensors
export { SpikerepError, isSpikerepError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { Rng } from './rng.js';
export type { RngState } from './rng.js';
export { tensor, sizeOf } from './tensor.js';
export type { Tensor } from './tensor.js';

// kernels and backends
export { createKernels, disposeKernels } from './kernels/backend.js';
export { reference, ReferenceKernels } from './kernels/reference/index.js';
export { convGeometry, poolGeometry } from './kernels/geometry.js';
export type { Kernels, BackendName, Buf, ConvGeometry } from './kernels/kernels.js';

// spiking neurons: the functional API and the configuration
export { neuron, clampThreshold } from './snn/functional.js';
export type { NeuronForward, NeuronBackward } from './snn/functional.js';
export { ifConfig, lifConfig, cubaLifConfig, IF_DEFAULTS, LIF_DEFAULTS, CUBALIF_DEFAULTS } from './snn/config.js';
export type { NeuronConfig, IfConfig, LifConfig, CubaLifConfig } from './snn/config.js';
export { neuronModel, representationWeights } from './snn/model.js';
export type { NeuronModel } from './snn/model.js';
export { sigmoidSurrogate, DEFAULT_SURROGATE_SLOPE } from './snn/surrogate.js';

// layers
export type { Layer, RunContext, Timing, BatchStatistics } from './nn/layer.js';
export { evalMode, trainMode } from './nn/run-mode.js';
export type { RunMode, EvalMode, TrainMode, StepWindow } from './nn/run-mode.js';
export type { Param, ParamRole } from './nn/param.js';
export { Conv2d } from './nn/conv2d.js';
export { Linear } from './nn/linear.js';
export { BatchNorm } from './nn/batchnorm.js';
export { NormBlock } from './nn/norm-block.js';
export type { NormBranch } from './nn/norm-block.js';
export type { WeightLayer } from './nn/bn-correction.js';
export { AvgPool2d } from './nn/avgpool.js';
export { Flatten } from './nn/flatten.js';
export { Dropout } from './nn/dropout.js';
export { Sequential } from './nn/sequential.js';
export { Residual } from './nn/residual.js';
export { layersOf, neuronLayers } from './nn/walk.js';
export { SpikingNeuron } from './nn/neuron-layer.js';
export type { NeuronMode, SpikingNeuronOptions } from './nn/neuron-layer.js';
export { RateReadout } from './nn/readout.js';
export { Network } from './nn/network.js';
export type { Encoding, ForwardOptions } from './nn/network.js';
export { crossEntropy, argmaxRows, countCorrect } from './nn/loss.js';

// optimisers and schedules
export { sgd } from './optim/sgd.js';
export { adam } from './optim/adam.js';
export { cosineWarmup, constantLr } from './optim/schedule.js';
export type { Schedule } from './optim/schedule.js';
export { zeroGrad } from './optim/optimizer.js';
export type { Optimizer, OptimizerState, SgdState, AdamState } from './optim/optimizer.js';

// models
export { buildModel, Builder, neuronSpec, NEURON_CHOICES, MODEL_NAMES } from './models/index.js';
export type { ModelName, ModelOptions, NeuronChoice, NeuronOverrides, NeuronSpec } from './models/index.js';
export { mnistNet } from './models/mnistnet.js';
export { preActResNet18 } from './models/preact-resnet18.js';

// training
export { trainStep, predict } from './train/step.js';
export type { Batch } from './train/step.js';
export { train, evaluate } from './train/loop.js';
export type { TrainResult, EpochRecord } from './train/loop.js';
export { DEFAULT_CONFIG, validateConfig, trainConfig, effectiveSettings, TRAIN_FIELDS } from './train/config.js';
export type { TrainConfig } from './train/config.js';
export { loadRecipe, listRecipes, parseRecipe, resolveConfig } from './train/recipe.js';
export type { Recipe } from './train/recipe.js';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint.js';
export { modelFromCheckpoint } from './train/state.js';
export { ENERGY_PJ } from './train/metrics.js';
export type { RunMetrics } from './train/metrics.js';

// reports (NIR lives in the 'spikerep/nir' entry, so that h5wasm loads only when used)
export { reportHtml } from './report/html.js';
export type { ReportData, RunSummary } from './report/html.js';
export { collectReport, writeReport, readRunJson } from './report/collect.js';

// data
export * as data from './data/index.js';
