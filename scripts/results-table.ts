/**
 * Prints the README's results tables (markdown) from the JSON files scripts/results-table.sh writes:
 *   node --import tsx scripts/results-table.ts [results/table]
 * One row per neuron kind and T for each dataset; a run whose JSON is missing is shown as "not run".
 */
import { renderResultsTables } from './results-table-render.js';

process.stdout.write(renderResultsTables(process.argv[2] ?? 'results/table'));
