/** The training schema as a library sees it: defaults, one-line errors naming settings, recipes and their neuron-kind defaults. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { BACKEND_NAMES } from '../../src/kernels/backend.js';
import { NEURON_CHOICES } from '../../src/models/neurons.js';
import {
  BACKEND_NAME,
  DEFAULT_CONFIG,
  effectiveSettings,
  flagOfSetting,
  TRAIN_FIELDS,
  type TrainConfig,
  trainConfig,
  validateConfig,
} from '../../src/train/config.js';
import { optionMeta } from '../../src/train/fields.js';
import { listRecipes, loadRecipe, parseRecipe, parseRecipeText, resolveConfig } from '../../src/train/recipe.js';

function refusal(f: () => unknown): SpikerepError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SpikerepError, `a SpikerepError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e;
  }
  assert.fail('expected a refusal');
}

test('library errors name the setting, never a flag, and say what was expected', () => {
  const cases: [Partial<Record<keyof TrainConfig, unknown>>, string][] = [
    [{ T: 0 }, 'T: must be an integer ≥ 1, got 0'],
    [{ batchSize: 2.5 }, 'batchSize: must be an integer ≥ 1, got 2.5'],
    [{ lr: Number.NaN }, 'lr: learning rate must be a number > 0, got NaN'],
    [{ alpha: 0 }, 'alpha: alpha must be in (0, 1], got 0'],
    [{ dropout: 1 }, 'dropout: dropout must be in [0, 1), got 1'],
    [{ vthBound: -1 }, 'vthBound: must be a number > 0, got -1'],
    [{ vthGradScale: Number.POSITIVE_INFINITY }, 'vthGradScale: must be a number ≥ 0, got Infinity'],
    [{ tauSyn: 0 }, 'tauSyn: must be a number > 0, got 0'],
    [{ model: 'alexnet' }, 'model: expected one of mnistnet|resnet18|vgg11|specknet|mlp|srnn, got alexnet'],
    [{ backend: 'cuda' }, 'backend: expected one of reference|wasm|native|webgpu|auto, got cuda'],
    [{ epochs: '3' }, 'epochs: must be an integer ≥ 1, got 3'],
    [{ flip: 'yes' }, 'flip: must be true or false, got yes'],
    [{ resume: true }, 'resume: `resume` needs `checkpointDir` (the folder holding last.ckpt)'],
    [{ timeChunk: 2, neuron: 'lif' }, 'timeChunk: training in time chunks needs `gradMode` representation'],
    [{ timeChunk: 2, gradMode: 'exact' }, 'timeChunk: training in time chunks needs `gradMode` representation'],
    [{ neuron: 'bptt', gradMode: 'representation' }, 'gradMode: the BPTT baseline needs `gradMode` exact'],
  ];
  for (const [over, message] of cases) {
    const e = refusal(() => validateConfig({ ...DEFAULT_CONFIG, ...over } as TrainConfig));
    assert.equal(e.message, message);
    assert.equal(e.code, 'E_ARG');
    assert.doesNotMatch(e.message, /--/);
  }
  assert.equal(
    validateConfig({ ...DEFAULT_CONFIG, trainLimit: undefined }).trainLimit,
    undefined,
    'undefined train limit: the whole set',
  );
  assert.equal(trainConfig({ epochs: 3 }).epochs, 3);
});

test('every setting has one flag of its own, and the CLI finds it by setting name', () => {
  const flags = Object.entries(TRAIN_FIELDS).map(([name, f]) => {
    const meta = optionMeta.get(f);
    assert.ok(meta !== undefined && meta.help !== '', `${name} has a flag and help`);
    assert.equal(flagOfSetting(name), meta.flag);
    return meta.flag;
  });
  assert.equal(new Set(flags).size, flags.length);
  assert.equal(flagOfSetting('warmupIters'), '--warmup');
  assert.equal(flagOfSetting('checkpointDir'), '--checkpoint');
  assert.equal(flagOfSetting('nothing'), undefined);
});

test('--backend offers exactly the backends kernels/backend.ts makes', () => {
  assert.deepEqual([...BACKEND_NAME.options].sort(), [...BACKEND_NAMES].sort());
});

test("dropout follows the model: the paper's VGG-11 0.1, ResNet-18 0", () => {
  assert.equal(DEFAULT_CONFIG.dropout, undefined);
  assert.equal(effectiveSettings({ ...DEFAULT_CONFIG, model: 'vgg11' }).dropout, 0.1);
  assert.equal(effectiveSettings({ ...DEFAULT_CONFIG, model: 'resnet18' }).dropout, 0);
  assert.equal(effectiveSettings({ ...DEFAULT_CONFIG, model: 'vgg11', dropout: 0.2 }).dropout, 0.2);
  assert.equal(effectiveSettings(resolveConfig(loadRecipe('dvs-cifar10'))).dropout, 0.1);
});

test('gradMode auto: representation exactly where it equals exact (IF and the ANNs without dropout), else exact', () => {
  const mode = (over: Partial<TrainConfig>): string => effectiveSettings({ ...DEFAULT_CONFIG, ...over }).gradMode;
  assert.equal(DEFAULT_CONFIG.gradMode, 'auto');
  assert.equal(mode({ neuron: 'if' }), 'representation');
  assert.equal(mode({ neuron: 'relu' }), 'representation');
  assert.equal(mode({ neuron: 'if', model: 'vgg11' }), 'exact', "VGG-11's dropout");
  assert.equal(mode({ neuron: 'if', dropout: 0.1 }), 'exact');
  for (const neuron of ['lif', 'cubalif', 'bptt'] as const) assert.equal(mode({ neuron }), 'exact', neuron);
  assert.equal(mode({ neuron: 'lif', gradMode: 'representation' }), 'representation', 'a choice is kept');
  assert.equal(mode({ neuron: 'if', gradMode: 'exact' }), 'exact');
  for (const name of listRecipes()) {
    assert.equal(loadRecipe(name).config.gradMode, 'exact', `${name}: the paper's backward, as its results were run`);
    assert.equal(loadRecipe(name).config.schedule, 'cosine', `${name}: the paper's per-epoch schedule`);
  }
});

test('recipes: the threshold bound (and Vth, alpha) follow the neuron kind unless the recipe sets them for that kind', () => {
  // docs/method.md §2.4 and §4.4: IF bound 0.01, LIF 0.0005; the low-latency LIF setting 0.001
  const expected: [string, string | undefined, number, number][] = [
    ['cifar10', undefined, 0.01, 6],
    ['cifar10', 'lif', 0.0005, 0.3],
    ['cifar100', 'lif', 0.0005, 0.3],
    ['dvs-cifar10', 'lif', 0.0005, 0.3],
    ['dvs-cifar10', 'if', 0.01, 6],
    ['cifar10-lowlatency', undefined, 0.001, 0.6],
    ['cifar10-lowlatency', 'if', 0.01, 6],
    ['mnist', 'lif', 0.0005, 0.3],
    ['fashion-mnist', 'bptt', 0.0005, 0.3],
    ['mnist', 'ann', 0.01, 6],
  ];
  for (const [name, neuron, bound, vth] of expected) {
    const cfg = resolveConfig(
      loadRecipe(name),
      neuron === undefined ? {} : { neuron: neuron as TrainConfig['neuron'] },
    );
    const n = effectiveSettings(validateConfig(cfg)).neuron;
    assert.equal(n.vthBound, bound, `${name} ${neuron ?? ''} vthBound`);
    assert.equal(n.vth, vth, `${name} ${neuron ?? ''} vth`);
  }
  // a flag beats the recipe's setting for the kind
  assert.equal(resolveConfig(loadRecipe('cifar10-lowlatency'), { vthBound: 0.002 }).vthBound, 0.002);
});

test('every recipe parses and resolves to a valid config for every neuron kind', () => {
  assert.ok(listRecipes().length >= 6);
  for (const name of listRecipes()) {
    const recipe = loadRecipe(name);
    assert.ok(recipe.description.length > 0, `${name} has a description`);
    for (const neuron of NEURON_CHOICES) {
      const cfg = resolveConfig(recipe, { neuron });
      if (neuron === 'bptt' && cfg.gradMode !== 'exact') continue;
      validateConfig(cfg);
    }
  }
});

test('recipe files: one line naming the file and the setting', () => {
  const cases: [unknown, RegExp][] = [
    [[], /^r\.json: recipe must be a JSON object$/],
    [{ description: 'x' }, /^r\.json: recipe needs a "config" object$/],
    [{ config: { epochs: 'ten' } }, /^r\.json: setting "epochs": must be an integer ≥ 1, got ten$/],
    [{ config: { epochs: null } }, /^r\.json: setting "epochs": must be an integer ≥ 1, got null$/],
    [{ config: { T: 0 } }, /^r\.json: setting "T": must be an integer ≥ 1, got 0$/],
    [{ config: { lr: 0.1, frobnicate: 1 } }, /^r\.json: unknown setting "frobnicate"$/],
    [
      { config: {}, byNeuron: { lif: { vth: -1 } } },
      /^r\.json: setting "byNeuron\.lif\.vth": must be a number > 0, got -1$/,
    ],
    [{ config: {}, byNeuron: { lif: { lr: 0.1 } } }, /^r\.json: unknown setting "byNeuron\.lif\.lr"$/],
    [{ config: {}, byNeuron: { sigmoid: {} } }, /^r\.json: unknown setting "byNeuron\.sigmoid"$/],
  ];
  for (const [raw, said] of cases) {
    const e = refusal(() => parseRecipe(raw, 'r.json'));
    assert.equal(e.code, 'E_FORMAT');
    assert.match(e.message, said);
  }
  assert.match(refusal(() => parseRecipeText('{"config": ', 'r.json')).message, /^r\.json: recipe is not valid JSON/);
  const r = parseRecipe({ config: { trainLimit: null, dataDir: null, epochs: 2 } }, 'r.json');
  assert.deepEqual(resolveConfig(r).trainLimit, undefined, 'null: unset (the whole training set)');
  assert.equal(resolveConfig(r).epochs, 2);
});
