/** The model names and their per-model defaults, apart from the builders so that naming a model builds none. */
export type ModelName = 'mnistnet' | 'resnet18' | 'vgg11' | 'specknet' | 'mlp' | 'srnn';
export const MODEL_NAMES: readonly ModelName[] = ['mnistnet', 'resnet18', 'vgg11', 'specknet', 'mlp', 'srnn'];

/** Dropout when none is asked for: the paper's (docs/method.md §3: ResNet p = 0, VGG-11 p = 0.1); mnistnet and specknet have no dropout layer. */
export const DEFAULT_DROPOUT: Readonly<Record<ModelName, number>> = {
  mnistnet: 0,
  resnet18: 0,
  vgg11: 0.1,
  specknet: 0,
  mlp: 0,
  srnn: 0,
};

/** One line per model for `spikerep list models`; a new name needs its line (the type asks for it). */
export const MODEL_SUMMARY: Readonly<Record<ModelName, string>> = {
  mnistnet: 'the default small convnet for 28×28 images',
  resnet18: "the paper's PreAct-ResNet-18 for CIFAR-10/100",
  vgg11: "the paper's VGG-11 (dropout 0.1), also for event frames",
  specknet: 'conv → IF → sum-pool cores that fit the Speck chip (export --target speck)',
  mlp: 'feed-forward spiking MLP over series [time, channels], one row per step',
  srnn: 'recurrent spiking layer over series [time, channels] (BPTT, or the ReLU/ANN baseline)',
};

/**
 * What a model takes: images [H, W, C] (event data: one frame per step), or series [time, channels], whose row t
 * feeds step t (docs/temporal.md).
 */
export const MODEL_INPUT: Readonly<Record<ModelName, 'image' | 'series'>> = {
  mnistnet: 'image',
  resnet18: 'image',
  vgg11: 'image',
  specknet: 'image',
  mlp: 'series',
  srnn: 'series',
};
