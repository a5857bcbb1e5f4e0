/** The model names and their per-model defaults, apart from the builders so that naming a model builds none. */
export type ModelName = 'mnistnet' | 'resnet18' | 'vgg11' | 'specknet';
export const MODEL_NAMES: readonly ModelName[] = ['mnistnet', 'resnet18', 'vgg11', 'specknet'];

/** Dropout when none is asked for: the paper's (docs/method.md §3: ResNet p = 0, VGG-11 p = 0.1); mnistnet and specknet have no dropout layer. */
export const DEFAULT_DROPOUT: Readonly<Record<ModelName, number>> = {
  mnistnet: 0,
  resnet18: 0,
  vgg11: 0.1,
  specknet: 0,
};

/** One line per model for `spikerep list models`; a new name needs its line (the type asks for it). */
export const MODEL_SUMMARY: Readonly<Record<ModelName, string>> = {
  mnistnet: 'the default small convnet for 28×28 images',
  resnet18: "the paper's PreAct-ResNet-18 for CIFAR-10/100",
  vgg11: "the paper's VGG-11 (dropout 0.1), also for event frames",
  specknet: 'conv → IF → sum-pool cores that fit the Speck chip (export --target speck)',
};
