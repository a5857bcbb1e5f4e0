/**
 * Comments cite the method as `docs/method.md §x` (never the old "spec §x", an issue number, or a path outside the
 * repository), and every section they cite exists in docs/method.md.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIRS = ['src', 'assembly', 'native/src', 'test', 'scripts', 'bench'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|js|cc|h|py|sh)$/.test(e.name) ? [p] : [];
  });
}

/** Section numbers docs/method.md defines: "## 2." / "### 2.3" headings and "6.11." numbered items. */
function sections(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(join(ROOT, 'docs/method.md'), 'utf8').split('\n')) {
    const m = /^(?:#{2,3} )?(\d+(?:\.\d+)?)\.? /.exec(line);
    if (m !== null && (line.startsWith('#') || /^\d+\.\d+\. /.test(line))) out.add(m[1]!);
  }
  return out;
}

const files = DIRS.flatMap(sources).filter((f) => f !== 'test/unit/docs.citations.test.ts');

test('every docs/method.md §x cited in the code exists', () => {
  const known = sections();
  assert.ok(known.has('1.1') && known.has('6.16') && known.has('7'), 'docs/method.md lost its numbering');
  let cited = 0;
  for (const f of files) {
    for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/docs\/method\.md §(\d+(?:\.\d+)?)/g)) {
      cited++;
      assert.ok(known.has(m[1]!), `${f}: cites docs/method.md §${m[1]}, which does not exist`);
    }
  }
  assert.ok(cited > 50, `expected the code's citations, found ${cited}`);
});

test('comments cite neither the old spec, nor issue numbers, nor paths outside the repository', () => {
  const bad = [/\bspec §/, /\bissues? #?\d+/i, /\.\.\/shared\//, /\bshared\/(notes|spec)\//];
  for (const f of files) {
    readFileSync(join(ROOT, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const re of bad) assert.doesNotMatch(line, re, `${f}:${i + 1}: ${line.trim()}`);
      });
  }
});
