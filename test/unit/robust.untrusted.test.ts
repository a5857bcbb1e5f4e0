/**
 * Untrusted NIR, IDX, CIFAR and AEDAT files: HDF5 diagnostics never reach the terminal (a damaged file prints one line), any
 * library error refuses the file, declared sizes are checked against the memory budget before anything is read
 * (the refusal happens in a child process whose peak RSS stays small), and the everyday import mistakes get
 * their own line rather than "internal error".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import h5wasm from 'h5wasm/node';
import { parseAedat } from '../../src/data/aedat.js';
import { parseCifarBatch } from '../../src/data/cifar.js';
import { gunzipIfNeeded, readBytes } from '../../src/data/files.js';
import { gunzipIdx, IDX_IMAGES_MAGIC, parseIdx } from '../../src/data/idx.js';
import { SpikerepError } from '../../src/errors.js';
import { exportNir } from '../../src/export/nir-export.js';
import type { NirGraph } from '../../src/export/nir-graph.js';
import { readNir, writeNir } from '../../src/export/nir-h5.js';
import { importNir } from '../../src/export/nir-import.js';
import { reference } from '../../src/kernels/reference/index.js';
import { MEMORY_BUDGET_ENV, memoryBudget } from '../../src/memory-budget.js';
import { Rng } from '../../src/rng.js';
import { aedatBytes, cifarBytes, cifarImage, idxBytes } from '../support/data.fixtures.js';
import { INPUT, randomImages, smallNet } from '../support/export.nir-fixtures.js';
import { type H5Data, nirFuzzTarget, treeOf, writeTree } from '../support/fuzz.nir.js';
import { runFuzz } from '../support/robust.fuzz-targets.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'spikerep-robust-nir-'));
const graph = exportNir(smallNet('if'));
const good = join(dir, 'good.nir');
await writeNir(graph, good);

/** Runs the CLI from source; returns its exit status, stdout and stderr. */
function cli(...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli/bin.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SPIKEREP_DEBUG: '' },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** The one-line refusal of a rejected promise or a throwing call. */
async function refusal(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof SpikerepError, `expected a SpikerepError, got ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  return assert.fail('expected a refusal');
}

test('a truncated NIR file: exactly one line on stderr, no HDF5-DIAG, exit 1', () => {
  const cut = join(dir, 'cut.nir');
  writeFileSync(cut, readFileSync(good).subarray(0, 200_000));
  const r = cli('import', cut, '--dataset', 'mnist');
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.err, /HDF5-DIAG|internal error/);
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  assert.match(r.err, /cut\.nir: damaged HDF5 file: the file is truncated \(200000 of \d+ bytes\)/);
});

test('every byte flip the library notices refuses the file (a checksum error never imports)', async () => {
  // flip one byte at a time through the file's metadata: each read either gives the exported graph back or
  // a one-line refusal; a flip HDF5 reports (a checksum) must never come back as a graph
  const bytes = readFileSync(good);
  const flipped = join(dir, 'flip.nir');
  const x = { shape: [2, ...INPUT], data: randomImages(2) };
  const logits = (g: NirGraph): number[] =>
    Array.from(importNir(reference, g).net.forward(x, { training: false, rng: new Rng(0) }).data);
  const want = logits(graph);
  let checksum = 0;
  for (let at = 0; at < 6000; at += 97) {
    const b = Buffer.from(bytes);
    b[at]! ^= 0x10;
    writeFileSync(flipped, b);
    let got: number[] | undefined;
    try {
      got = logits(await readNir(flipped));
    } catch (e) {
      assert.ok(e instanceof SpikerepError && !e.message.includes('\n'), `flip at ${at}: ${String(e)}`);
      if (/checksum/.test(e.message)) checksum++;
    }
    if (got !== undefined) assert.deepEqual(got, want, `flip at ${at} imported as another model`);
  }
  assert.ok(checksum > 0, `some flips hit checksummed metadata (${checksum})`);
});

test("a file spikerep wrote whose neuron lost its metadata is refused, not imported with NIR's reset", async () => {
  const g = structuredClone(graph) as NirGraph;
  delete g.nodes['features_2']!.metadata;
  const p = join(dir, 'nometa.nir');
  await writeNir(g, p);
  const msg = await refusal(async () => importNir(reference, await readNir(p), {}, p));
  assert.match(msg, /node 'features_2' \(IF\) lacks spikerep's neuron metadata .* the file is damaged/);
  // the same graph imports once the user names the rule
  assert.equal(importNir(reference, g, { reset: 'value' }, p).neurons[1]!.reset, 'value');
});

test('strict fields: a renamed, a retyped and a reshaped dataset are each refused naming the node', async () => {
  const cases: [string, (d: Map<string, unknown>) => void, RegExp][] = [
    [
      'renamed',
      (d) => {
        d.set('v_resft', d.get('v_reset'));
        d.delete('v_reset');
      },
      /node 'features_2' \(IF\) has an entry 'v_resft' that a IF node does not have/,
    ],
    [
      'int-threshold',
      (d) => {
        d.set('v_threshold', { kind: 'data', data: BigInt64Array.of(4n), shape: [1], dtype: '<q' });
      },
      /node 'features_2': dataset 'v_threshold' is not a float array/,
    ],
    [
      'missing-r',
      (d) => {
        d.delete('r');
      },
      /node 'features_2' \(IF\) lacks the dataset 'r'/,
    ],
  ];
  for (const [name, edit, pattern] of cases) {
    const tree = treeOf(graph);
    const node = (tree.entries.get('node') as typeof tree).entries.get('nodes') as typeof tree;
    edit((node.entries.get('features_2') as typeof tree).entries as Map<string, unknown>);
    const p = join(dir, `${name}.nir`);
    writeTree(tree, p);
    assert.match(await refusal(() => readNir(p)), pattern);
  }
});

test('an HDF5 file that is not NIR, a folder, an Output → Input edge, --T 0: one specific line each', async () => {
  const plain = join(dir, 'plain.h5');
  const f = new h5wasm.File(plain, 'w');
  f.create_dataset({ name: 'x', data: Float32Array.of(1, 2) });
  f.close();
  assert.match(await refusal(() => readNir(plain)), /plain\.h5: an HDF5 file but not a NIR graph \(no 'node' group\)/);
  const folder = join(dir, 'folder.nir');
  mkdirSync(folder);
  assert.match(await refusal(() => readNir(folder)), /folder\.nir: is a folder, expected a \.nir file/);
  const loop = { ...graph, edges: [...graph.edges, ['output', 'input'] as [string, string]] };
  assert.match(
    await refusal(() => importNir(reference, loop)),
    /the edge 'output' → 'input' feeds back into the Input or out of the Output/,
  );
  assert.match(await refusal(() => importNir(reference, graph, { T: 0 })), /^--T: must be an integer ≥ 1, got 0/);
});

test('CLI: import DIR, --T 0, --test-limit -1 and 0 are refused in one line, never "internal error"', () => {
  for (const [args, pattern] of [
    [[dir], /is a folder, expected a \.nir file/],
    [[good, '--T', '0'], /--T: must be an integer ≥ 1, got 0/],
    [[good, '--test-limit', '-1'], /--test-limit: must be an integer ≥ 1, got -1/],
    [[good, '--test-limit', '0'], /--test-limit: must be an integer ≥ 1, got 0/],
  ] as [string[], RegExp][]) {
    const r = cli('import', ...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
    assert.match(r.err, pattern);
    assert.doesNotMatch(r.err, /internal error/);
  }
});

/** Runs test/support/read-untrusted.ts in a child: its one-line outcome and its peak RSS in bytes. */
function readInChild(kind: 'nir' | 'idx', file: string): { outcome: string; maxRss: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/read-untrusted.ts', kind, file], {
    cwd: root,
    encoding: 'utf8',
  });
  const lines = r.stdout.trim().split('\n');
  return { outcome: lines[0]!, maxRss: Number(lines[1]!.split(' ')[1]) };
}

const RSS_CEILING = 300 * 2 ** 20;

test('a small NIR file declaring a 1.5 GB weight is refused before any read: no more memory than a good file', () => {
  const tree = treeOf(graph);
  const nodes = (tree.entries.get('node') as typeof tree).entries.get('nodes') as typeof tree;
  const weight = (nodes.entries.get('classifier_0') as typeof tree).entries.get('weight') as H5Data;
  weight.declared = [40_000, 10_000];
  const p = join(dir, 'huge.nir');
  writeTree(tree, p);
  assert.ok(readFileSync(p).length < 1e6);
  const r = readInChild('nir', p);
  const base = readInChild('nir', good); // h5wasm's own footprint (its WASM module)
  assert.equal(base.outcome, 'accepted');
  assert.match(
    r.outcome,
    /huge\.nir: too large: dataset \/node\/nodes\/classifier_0\/weight \[40000, 10000\] takes 1\.49 GiB, over the 1 GiB memory budget \(set SPIKEREP_MEMORY_BUDGET to raise it\)/,
  );
  assert.ok(r.maxRss < base.maxRss + 100 * 2 ** 20, `peak RSS ${r.maxRss}, a good file ${base.maxRss}`);
});

test('a small .gz IDX file declaring 3 GB of images is "too large" before inflating: the child stays under 300 MB', () => {
  // the header declares 3 950 000 images of 28×28 (3.1 GB); the stream holds a few, the check never inflates them
  const head = idxBytes(IDX_IMAGES_MAGIC, [3_950_000, 28, 28], []);
  const gz = join(dir, 'huge-images.gz');
  writeFileSync(gz, gzipSync(Buffer.concat([head, Buffer.alloc(1 << 20)])));
  const r = readInChild('idx', gz);
  assert.match(r.outcome, /huge-images\.gz: too large: IDX dims \[3950000, 28, 28\] takes 2\.88 GiB, over the 1 GiB/);
  assert.ok(r.maxRss < RSS_CEILING, `peak RSS ${r.maxRss}`);
});

test('gzip is inflated within a limit: a longer stream is "too large" or trailing bytes, never "corrupt"', async () => {
  // an IDX header for 2 images whose stream inflates to much more: stopped one byte past the declared size
  const bomb = gzipSync(
    Buffer.concat([idxBytes(IDX_IMAGES_MAGIC, [2, 3, 3], new Array(18).fill(7)), Buffer.alloc(1e6)]),
  );
  assert.match(
    await refusal(() => parseIdx(gunzipIdx(bomb, IDX_IMAGES_MAGIC, 'b.gz'), IDX_IMAGES_MAGIC, 'b.gz')),
    /b\.gz: IDX dims \[2, 3, 3\] need 18 data bytes, the gzip stream holds more \(trailing bytes\)/,
  );
  // any gzip stream past the budget
  process.env[MEMORY_BUDGET_ENV] = '64K';
  try {
    assert.equal(memoryBudget(), 65536);
    assert.match(
      await refusal(() => gunzipIfNeeded(gzipSync(Buffer.alloc(1e6)), 'z.gz')),
      /z\.gz: too large: the gzip stream inflates to more than the 64 KiB memory budget/,
    );
    process.env[MEMORY_BUDGET_ENV] = 'lots';
    assert.match(await refusal(() => memoryBudget()), /SPIKEREP_MEMORY_BUDGET: expected a size in bytes/);
  } finally {
    delete process.env[MEMORY_BUDGET_ENV];
  }
});

test('NIR fuzz, seed 777, first 172 inputs: the three the old importer called "internal error" are one line now', () => {
  // inputs 62 (a link whose metadata checksum fails: "name not defined"), 101 and 171 (a bias declaring
  // 40000×10000: an invalid array length, a failed 1.6 GB allocation) of this seed, and everything around them
  const r = runFuzz(nirFuzzTarget('spikerep'), 172, 777);
  assert.deepEqual(r.firstCrashes, []);
  assert.equal(r.crashes, 0);
});

test('CIFAR and AEDAT files are checked against the budget before they are read (their arrays grow with the file)', async () => {
  const cifar = join(dir, 'data_batch_1.bin');
  writeFileSync(cifar, cifarBytes([{ labels: [3], hwc: cifarImage(1) }]));
  const aedat = join(dir, 'events.aedat');
  writeFileSync(aedat, aedatBytes(Array.from({ length: 200 }, (_, i) => ({ x: 1, y: 2, pol: 1, t: i }))));
  process.env[MEMORY_BUDGET_ENV] = '1K';
  try {
    assert.match(
      await refusal(() => parseCifarBatch(readBytes(cifar, 'cifar10 batch file'), 'cifar10', cifar)),
      /data_batch_1\.bin: too large: cifar10 batch file takes 3 KiB, over the 1 KiB memory budget/,
    );
    assert.match(
      await refusal(() => parseAedat(readBytes(aedat, 'DVS-CIFAR10 event file'), aedat)),
      /events\.aedat: too large: DVS-CIFAR10 event file takes 1\.\d+ KiB, over the 1 KiB memory budget/,
    );
  } finally {
    delete process.env[MEMORY_BUDGET_ENV];
  }
  assert.equal(parseCifarBatch(readBytes(cifar, 'cifar10 batch file'), 'cifar10', cifar).labels[0], 3);
});
