import { DATASET_NAMES, DATASET_SUMMARY } from '../data/names.js';
import { MODEL_NAMES, MODEL_SUMMARY } from '../models/names.js';
import { NEURON_CHOICES } from '../models/neurons.js';
import { NEURON_SUMMARY } from '../train/config.js';
import { listRecipes, loadRecipe } from '../train/recipe.js';
import { type CommandRun, LIST_GROUPS } from './command-options.js';

type Group = (typeof LIST_GROUPS)[number];

/** Each group's names and one-line descriptions, from the registries the flags themselves are checked against. */
function entries(group: Group): [string, string][] {
  switch (group) {
    case 'datasets':
      return DATASET_NAMES.map((n) => [n, DATASET_SUMMARY[n]]);
    case 'models':
      return MODEL_NAMES.map((n) => [n, MODEL_SUMMARY[n]]);
    case 'recipes':
      return listRecipes().map((n) => [n, headline(loadRecipe(n).description)]);
    case 'neurons':
      return NEURON_CHOICES.map((n) => [n, NEURON_SUMMARY[n]]);
  }
}

/** `spikerep list [datasets|models|recipes|neurons]`: one line each, name and what it is; all four groups without one. */
export async function run({ args, io }: CommandRun): Promise<void> {
  const asked = args[0] as Group | undefined;
  const groups = asked === undefined ? LIST_GROUPS : [asked];
  const all = groups.map((g) => [g, entries(g)] as const);
  const width = Math.max(...all.flatMap(([, e]) => e.map(([n]) => n.length)));
  const lines: string[] = [];
  for (const [group, e] of all) {
    if (asked === undefined) lines.push(`${lines.length === 0 ? '' : '\n'}${group} (${flagOf(group)}):`);
    const indent = asked === undefined ? '  ' : '';
    for (const [name, summary] of e) lines.push(`${indent}${name.padEnd(width)}  ${summary}`);
  }
  io.out(`${lines.join('\n')}\n`);
}

function flagOf(group: Group): string {
  return { datasets: '--dataset', models: '--model', recipes: '--recipe', neurons: '--neuron' }[group];
}

/** A recipe description's first clause (up to ": " or ". "): what it is, without its settings. */
function headline(description: string): string {
  const end = description.search(/[:.] /);
  return end < 0 ? description.replace(/\.$/, '') : description.slice(0, end);
}
