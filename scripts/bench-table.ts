/**
 * Prints the README's benchmark table (markdown) from bench JSON files, by default the ones the README names:
 *   node --import tsx scripts/bench-table.ts [results/bench-….json …]
 */
import { README_BENCH_FILES, renderBenchTable } from './bench-table-render.js';

const files = process.argv.length > 2 ? process.argv.slice(2) : README_BENCH_FILES;
process.stdout.write(renderBenchTable(files));
