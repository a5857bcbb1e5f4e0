/** The README's library example is examples/quickstart.ts verbatim, and it runs (through the package's own name). */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url);

test('README embeds examples/quickstart.ts verbatim and opens with the train and test commands', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const example = readFileSync(new URL('examples/quickstart.ts', root), 'utf8').trimEnd();
  assert.ok(readme.includes(example), 'README library example differs from examples/quickstart.ts');
  const firstBlock = readme.split('```')[1]!;
  assert.match(firstBlock, /npx spikerep train/);
  assert.match(firstBlock, /npm test/);
});

test('examples/quickstart.ts runs and prints the IF rate oracle', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.match(out, /IF rate 0\.899999/);
  assert.match(out, /logits \[ 8, 10 \]/);
});
