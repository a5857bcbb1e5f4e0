/** The README's robustness tables are exactly what scripts/robustness-table.ts renders from results/robustness/. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderRobustnessTables } from '../../scripts/robustness-table.js';

const ROOT = new URL('../..', import.meta.url);
process.chdir(ROOT.pathname);

test("the README's robustness tables are what scripts/robustness-table.ts renders", () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const block of renderRobustnessTables('results/robustness').split('\n\n')) {
    const title = block.split('\n')[0]!;
    assert.ok(readme.includes(block), `README table "${title}" differs from the committed JSON:\n${block}`);
  }
});
