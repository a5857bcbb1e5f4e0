import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SpikerepError } from '../errors.js';
import { NEURON_CHOICES, type NeuronChoice } from '../models/neurons.js';
import { DEFAULT_CONFIG, NEURON_SETTINGS, type NeuronSetting, TRAIN_FIELDS, type TrainConfig } from './config.js';
import { issueError, withoutDefaults } from './fields.js';

/**
 * A recipe is a JSON file { "description": "...", "config": { ...TrainConfig settings }, "byNeuron": { "lif": { ... } } }:
 * the settings of a published run. `byNeuron` holds neuron settings (vth, alpha, vthBound, …) for one neuron kind
 * only, so that `--neuron lif` on an IF recipe gets the LIF values rather than the IF ones. `--recipe NAME` looks in
 * the package's recipes/ folder, `--recipe PATH` reads a file. Flags override the recipe; the recipe overrides the
 * defaults; a neuron setting no one gives is the neuron kind's own.
 */
export interface Recipe {
  description: string;
  config: Partial<TrainConfig>;
  byNeuron: Partial<Record<NeuronChoice, Partial<Pick<TrainConfig, NeuronSetting>>>>;
}

export const RECIPES_DIR = fileURLToPath(new URL('../../recipes/', import.meta.url));

export function listRecipes(): string[] {
  if (!existsSync(RECIPES_DIR)) return [];
  return readdirSync(RECIPES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadRecipe(nameOrPath: string): Recipe {
  const path = existsSync(nameOrPath) ? nameOrPath : join(RECIPES_DIR, `${nameOrPath}.json`);
  if (!existsSync(path)) {
    throw new SpikerepError(
      'E_NOT_FOUND',
      `no recipe file or named recipe (known: ${listRecipes().join(', ')})`,
      nameOrPath,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpikerepError('E_IO', `cannot read the recipe (${(e as NodeJS.ErrnoException).code})`, path);
  }
  return parseRecipeText(text, path);
}

/** A recipe file's text: JSON, then the field checks of parseRecipe. */
export function parseRecipeText(text: string, path: string): Recipe {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SpikerepError('E_FORMAT', `recipe is not valid JSON (${(e as Error).message.split('\n')[0]})`, path);
  }
  return parseRecipe(raw, path);
}

/** A recipe setting: may be left out, and null where the setting may be unset (trainLimit: null is the whole set). */
function recipeField(f: z.ZodType): z.ZodType {
  return f instanceof z.ZodOptional ? z.preprocess((v) => (v === null ? undefined : v), f) : f.optional();
}

const SETTINGS = Object.fromEntries(Object.entries(withoutDefaults(TRAIN_FIELDS)).map(([k, f]) => [k, recipeField(f)]));
const NEURON_PART = Object.fromEntries(NEURON_SETTINGS.map((k) => [k, SETTINGS[k]!]));
const CONFIG = z.strictObject(SETTINGS);
const BY_NEURON = z.strictObject(
  Object.fromEntries(NEURON_CHOICES.map((n) => [n, z.strictObject(NEURON_PART).optional()])),
);

/** Checks every setting's name, type and range; the checks across settings come later (validateConfig). */
export function parseRecipe(raw: unknown, path: string): Recipe {
  if (!isObject(raw)) throw new SpikerepError('E_FORMAT', 'recipe must be a JSON object', path);
  if (!isObject(raw['config'])) throw new SpikerepError('E_FORMAT', 'recipe needs a "config" object', path);
  const config = CONFIG.safeParse(raw['config']);
  if (!config.success) throw issueError(config.error, path);
  const byNeuron = BY_NEURON.safeParse(raw['byNeuron'] ?? {});
  if (!byNeuron.success) throw issueError(byNeuron.error, path, 'byNeuron');
  const description = typeof raw['description'] === 'string' ? raw['description'] : '';
  return { description, config: config.data as Partial<TrainConfig>, byNeuron: byNeuron.data as Recipe['byNeuron'] };
}

/**
 * A run's config: the defaults, then the recipe, then the recipe's settings for the run's neuron kind, then
 * `over` (the command line). The neuron kind is the one `over` or the recipe names.
 */
export function resolveConfig(recipe: Recipe | undefined, over: Partial<TrainConfig> = {}): TrainConfig {
  const base: TrainConfig = { ...DEFAULT_CONFIG, ...recipe?.config };
  const neuron = over.neuron ?? base.neuron;
  return { ...base, ...recipe?.byNeuron[neuron], ...over };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
