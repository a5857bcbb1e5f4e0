/**
 * What the package publishes: every path package.json names (exports, bin, main, types) is in `npm pack`'s file list,
 * no export points at the TypeScript sources (not shipped), and the installed `serve` finds the demo bundle that
 * `npm run build` wrote. Needs `npm run build` first.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Record<string, unknown>;

function builtOrFail(): void {
  assert.ok(existsSync(new URL('dist/index.js', root)), 'dist/ is not built: run "npm run build" before this test');
}

/** Every string leaf of an exports map (conditions nest), with the condition path that leads to it. */
function exportTargets(node: unknown, at: string): [string, string][] {
  if (typeof node === 'string') return [[at, node]];
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => exportTargets(v, `${at}.${k}`));
}

function named(): [string, string][] {
  const bin = typeof pkg.bin === 'string' ? { bin: pkg.bin } : (pkg.bin as Record<string, string>);
  return [
    ...exportTargets(pkg.exports, 'exports'),
    ...Object.entries(bin).map(([k, v]): [string, string] => [`bin.${k}`, v]),
    ['main', pkg.main as string],
    ['types', pkg.types as string],
  ];
}

const norm = (p: string): string => p.replace(/^\.\//, '');

test('every path package.json names is in the packed file list, and none points at src/', () => {
  builtOrFail();
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  const entries = named();
  assert.ok(entries.length >= 8, `expected exports, bin, main and types, got ${entries.length} paths`);
  for (const [where, path] of entries) {
    assert.ok(!norm(path).startsWith('src/'), `${where} points at the unpublished sources: ${path}`);
    assert.ok(files.has(norm(path)), `${where} = ${path} is not in the packed files`);
  }
  // what the installed CLI reads at run time besides its modules
  for (const f of [
    'dist/cli/main.js',
    'dist/demo/app.js',
    'dist/demo/worker.js',
    'dist/demo/train-worker.js',
    'dist/demo/nir-file.js',
    'dist/wasm/kernels.wasm',
  ]) {
    assert.ok(files.has(f), `${f} is not in the packed files`);
  }
});

test('the built serve module hands out the bundle npm run build wrote, not a fresh one', async () => {
  builtOrFail();
  const built = new URL('dist/serve/demo-bundle.js', root);
  const { loadDemoBundle } = (await import(built.href)) as typeof import('../../src/serve/demo-bundle.js');
  const bundle = await loadDemoBundle();
  assert.equal(bundle.app, readFileSync(new URL('dist/demo/app.js', root), 'utf8'));
  assert.equal(bundle.worker, readFileSync(new URL('dist/demo/worker.js', root), 'utf8'));
  assert.equal(bundle.trainWorker, readFileSync(new URL('dist/demo/train-worker.js', root), 'utf8'));
  assert.equal(bundle.nirFile, readFileSync(new URL('dist/demo/nir-file.js', root), 'utf8'));
  assert.match(bundle.app, /spikerep/);
});
