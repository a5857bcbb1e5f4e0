import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { DEFAULT_CONFIG, type TrainConfig } from './config.js';

/**
 * A recipe is a JSON file { "description": "...", "config": { ...TrainConfig fields } } — the settings of a
 * published run. `--recipe NAME` looks in the package's recipes/ folder, `--recipe PATH` reads a file.
 * Command-line flags override the recipe; the recipe overrides the defaults.
 */
export interface Recipe {
  description: string;
  config: Partial<TrainConfig>;
}

export const RECIPES_DIR = fileURLToPath(new URL('../../recipes/', import.meta.url));

export function listRecipes(): string[] {
  if (!existsSync(RECIPES_DIR)) return [];
  return readdirSync(RECIPES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadRecipe(nameOrPath: string): Recipe {
  const path = existsSync(nameOrPath) ? nameOrPath : join(RECIPES_DIR, `${nameOrPath}.json`);
  if (!existsSync(path)) {
    throw new SpikerepError('E_NOT_FOUND', `no recipe file or named recipe (known: ${listRecipes().join(', ')})`, nameOrPath);
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

/** Checks every field's name and type against the defaults; values are range-checked later by validateConfig. */
export function parseRecipe(raw: unknown, path: string): Recipe {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SpikerepError('E_FORMAT', 'recipe must be a JSON object', path);
  const r = raw as Record<string, unknown>;
  const cfg = r['config'];
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new SpikerepError('E_FORMAT', 'recipe needs a "config" object', path);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg)) {
    if (!Object.hasOwn(DEFAULT_CONFIG, key)) throw new SpikerepError('E_FORMAT', `unknown setting "${key}"`, path);
    const expected = typeof DEFAULT_CONFIG[key as keyof TrainConfig];
    const ok = value === null || expected === 'undefined' ? value === null || typeof value === 'number' || typeof value === 'string' : typeof value === expected;
    if (!ok) throw new SpikerepError('E_FORMAT', `setting "${key}" should be a ${expected === 'undefined' ? 'number, string or null' : expected}, got ${JSON.stringify(value)}`, path);
    out[key] = value === null ? undefined : value;
  }
  const description = typeof r['description'] === 'string' ? r['description'] : '';
  return { description, config: out as Partial<TrainConfig> };
}
