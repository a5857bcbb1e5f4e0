/**
 * No import cycles in src/: every relative import (type-only ones included, since they still say which file
 * depends on which) is an edge, and a depth-first search reports the first cycle it closes, file by file.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The src files a file imports: `from '…'` and `import('…')` with a relative specifier, `.js` read as `.ts`. */
export function relativeImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    out.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** One cycle as a list of files (the first repeated at the end), or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') return [...stack.slice(stack.indexOf(g)), g];
      if (state.get(g) === undefined && graph.has(g)) {
        const c = visit(g);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of graph.keys()) {
    if (state.get(f) !== undefined) continue;
    const c = visit(f);
    if (c !== null) return c;
  }
  return null;
}

test('the cycle finder finds a cycle and accepts a chain', () => {
  assert.deepEqual(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
    ['a', 'b', 'c', 'a'],
  );
  assert.equal(
    findCycle(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', []],
      ]),
    ),
    null,
  );
  assert.deepEqual(
    relativeImports('/s/nn/x.ts', "import type { A } from './a.js';\nimport { B } from '../b.js';\nimport 'node:fs';"),
    ['/s/nn/a.ts', '/s/b.ts'],
  );
});

test('src/ has no import cycles', () => {
  const graph = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) graph.set(f, relativeImports(f, readFileSync(f, 'utf8')));
  assert.ok(
    graph.size > 100 && graph.get(join(SRC, 'nn/network.ts'))!.length > 5,
    'the graph holds src/ and its imports',
  );
  const cycle = findCycle(graph);
  assert.equal(cycle, null, `import cycle: ${cycle?.map((f) => relative(SRC, f)).join(' → ')}`);
});
